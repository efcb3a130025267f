import { Client } from 'pg';
import { PgListener } from '../src/infrastructure/database/pg-listener';
import { TcpProxy } from './support/tcp-proxy';

// Jest cannot load Nest's ESM packages (the app does, through require(esm)); the listener needs only its Logger.
jest.mock('@nestjs/common', () => ({
  Logger: class {
    warn() {}
  },
}));

/**
 * A LISTEN connection whose database vanished without a reset (a failover, a host that died): it
 * receives nothing and hears nothing of it. The listener's liveness check notices within its
 * interval and timeout, and it listens again on a new connection, telling its owner to look again.
 */
describe('the LISTEN connection when its database vanishes', () => {
  const target = new URL(process.env.E2E_DATABASE_URL ?? '');
  const channel = `pg_listener_test_${process.pid}`;
  let proxy: TcpProxy;
  let notifier: Client;
  const listeners: PgListener[] = [];

  beforeAll(async () => {
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    notifier = new Client({ connectionString: target.toString() });
    await notifier.connect();
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await Promise.all(listeners.map((listener) => listener.stop()));
    await notifier.end();
    await proxy.close();
  });

  const throughProxy = () => {
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return url.toString();
  };
  const until = async (what: string, done: () => boolean, withinMs: number) => {
    const started = Date.now();
    while (!done()) {
      if (Date.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  function listen(): { listener: PgListener; heard: string[]; listening: () => number } {
    const heard: string[] = [];
    let listening = 0;
    const listener = new PgListener({
      url: throughProxy(),
      channel,
      applicationName: 'pg-listener-test',
      onNotification: (payload) => heard.push(payload),
      onListening: () => listening++,
      // Long enough that a healthy check on a loaded machine is not mistaken for a dead connection.
      liveness: { intervalMs: 300, timeoutMs: 1500 },
    });
    listeners.push(listener);
    return { listener, heard, listening: () => listening };
  }

  it('gives up a connection that stopped answering, listens on a new one and says so', async () => {
    // The liveness checks in flight at once: one at most, though the interval (300 ms) is shorter than the timeout (1.5 s).
    let checking = 0;
    let mostAtOnce = 0;
    const query = Client.prototype.query;
    jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const result = (query as (...a: unknown[]) => unknown).apply(this, args);
      if (args[0] === 'SELECT 1' && result instanceof Promise) {
        mostAtOnce = Math.max(mostAtOnce, ++checking);
        result.then(() => checking--, () => checking--);
      }
      return result;
    } as typeof query);
    const { listener, heard, listening } = listen();
    await listener.start();
    expect(listening()).toBe(1);
    await notifier.query(`NOTIFY ${channel}, 'before'`);
    await until('the first notification', () => heard.includes('before'), 5000);

    const before = listening();
    proxy.vanish();
    await notifier.query(`NOTIFY ${channel}, 'lost'`);
    // The check (every 300 ms, 1.5 s to answer) gives up, reconnects a second later and listens again.
    await until('listening again', () => listening() > before, 10_000);
    await notifier.query(`NOTIFY ${channel}, 'after'`);
    await until('the notification after', () => heard.includes('after'), 5000);
    expect(heard).not.toContain('lost');
    // Once: the connection given up errors again as it is destroyed, which must not start a second one.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(listening()).toBe(before + 1);
    expect(mostAtOnce).toBe(1);
  });

  it('closes a connection that was still opening when it stopped, and never listens on it', async () => {
    proxy.partition();
    const { listener, listening } = listen();
    const starting = listener.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await listener.stop();
    proxy.heal();
    await starting;
    expect(listening()).toBe(0);
  });

  it('stops at once even when its database vanished', async () => {
    const { listener, listening } = listen();
    await listener.start();
    expect(listening()).toBe(1);
    proxy.vanish();
    const started = Date.now();
    await listener.stop();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
