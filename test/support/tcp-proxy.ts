import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A loopback TCP proxy that plays database outages without stopping the database: a cut (every
 * connection reset, new ones refused) or a partition (connections stay open, nothing gets through
 * until it heals, then what was sent arrives, as TCP retransmission would deliver it).
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private partitioned = false;
  /** Writes (and closes: chunk null) held back by a partition, in the order they were sent. */
  private held: { to: Socket; chunk: Buffer | null }[] = [];
  /** The sockets of connections whose far side vanished: nothing reaches them any more. */
  private readonly vanished = new Set<Socket>();
  /** Added to every chunk the database sends back, to keep requests in flight. */
  delayMs = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy;
    // Half-open allowed: a side's end is forwarded explicitly (below), and a vanished peer must not answer one.
    const server = createServer({ allowHalfOpen: true }, (client) => {
      if (proxy.down) return void client.destroy();
      const upstream = connect({ port: targetPort, host: targetHost, allowHalfOpen: true });
      for (const [socket, other] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        proxy.sockets.add(socket);
        socket.on('close', () => proxy.sockets.delete(socket));
        // One side closing closes the other, after what it sent; during a partition that waits for the heal too.
        socket.on('end', () => proxy.forward(other, null));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => proxy.forward(upstream, chunk));
      upstream.on('data', (chunk: Buffer) => {
        if (proxy.delayMs === 0) return proxy.forward(client, chunk);
        upstream.pause();
        setTimeout(() => {
          proxy.forward(client, chunk);
          upstream.resume();
        }, proxy.delayMs);
      });
    });
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        proxy = new TcpProxy(server, typeof address === 'object' && address ? address.port : 0);
        resolve(proxy);
      });
    });
  }

  private forward(to: Socket, chunk: Buffer | null): void {
    if (this.vanished.has(to)) return;
    if (this.partitioned) this.held.push({ to, chunk });
    else if (!to.destroyed) void (chunk ? to.write(chunk) : to.end());
  }

  /** Nothing gets through either way until heal(); connections stay open and new ones are accepted. */
  partition(): void {
    this.partitioned = true;
  }

  heal(): void {
    this.partitioned = false;
    const held = this.held;
    this.held = [];
    for (const { to, chunk } of held) this.forward(to, chunk);
  }

  /**
   * The far side of every open connection is gone without a word (a failover, a host that died):
   * whatever is sent on them is lost, and nothing tells either end. New connections work.
   */
  vanish(): void {
    for (const socket of this.sockets) this.vanished.add(socket);
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
