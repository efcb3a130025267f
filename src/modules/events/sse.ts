import type { ServerResponse } from 'node:http';

/**
 * Server-Sent Events as the WHATWG HTML standard reads them: `field: value` lines, a blank line
 * ending a message. JSON.stringify never emits a line break, so `data` is always one line.
 */
export function sseMessage(message: { id?: string; event: string; data: unknown }): string {
  return `${message.id === undefined ? '' : `id: ${message.id}\n`}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** A comment line: clients ignore it, proxies see traffic on an idle stream. */
export const sseComment = (text: string): string => `: ${text}\n\n`;

/**
 * One client's event stream, on the raw response of a request Fastify no longer handles. Memory is
 * bounded: Node buffers what the socket has not taken, and `fits` says no once that exceeds the
 * limit, so the caller closes the stream (with `event: overflow`) instead of buffering a slow
 * client's backlog without end.
 */
export class SseSink {
  private ended = false;

  constructor(
    private readonly raw: ServerResponse,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Sends the status and headers at once, so the client sees the stream open before the first event. */
  open(headers: Record<string, string | string[] | number | undefined>): void {
    const set = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string | string[] | number] => entry[1] !== undefined));
    this.raw.writeHead(200, { ...set, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    this.raw.flushHeaders();
    // Each message is written as one chunk and should leave at once, not wait for the next.
    this.raw.socket?.setNoDelay(true);
  }

  /** Whether the client is gone or the stream was ended. */
  get closed(): boolean {
    return this.ended || this.raw.destroyed;
  }

  /** Bytes written but not yet taken by the socket. */
  get buffered(): number {
    return this.raw.writableLength;
  }

  /** Whether `extraBytes` more may wait for the client without passing the limit. */
  fits(extraBytes = 0): boolean {
    return this.raw.writableLength + extraBytes <= this.maxBufferedBytes;
  }

  /** How much more may wait for the client before the limit is passed (negative once it is). */
  room(): number {
    return this.maxBufferedBytes - this.raw.writableLength;
  }

  write(chunk: string | Buffer): void {
    if (!this.closed) this.raw.write(chunk);
  }

  /** Resolves once the socket has taken enough of what was written to want more (or the stream closed). */
  drained(): Promise<void> {
    if (this.closed || !this.raw.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  /** Calls `listener` once when the client goes away or the stream has ended, even if that happened already. */
  onClose(listener: () => void): void {
    let called = false;
    const once = () => {
      if (!called) listener();
      called = true;
    };
    this.raw.once('close', once);
    if (this.raw.destroyed) setImmediate(once);
  }

  /**
   * Ends the stream after `last`. The response is then finished for Node, whatever the socket still
   * holds for a client that stopped reading: the connection idles out (keepAliveTimeout) and a
   * shutdown's drain closes it as idle.
   */
  end(last?: string): void {
    if (this.closed) return;
    this.ended = true;
    this.raw.end(last);
  }
}
