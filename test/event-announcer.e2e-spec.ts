import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../src/infrastructure/config/app-config';
import { EVENTS_CHANNEL } from '../src/infrastructure/database/event-append.sql';
import { EventAnnouncer } from '../src/infrastructure/database/event-announcer';
import { TcpProxy } from './support/tcp-proxy';

// Jest cannot load Nest's ESM packages (the app does, through require(esm)); the announcer needs only these.
jest.mock('@nestjs/common', () => ({
  Injectable: () => () => undefined,
  Logger: class {
    warn() {}
  },
}));

/**
 * The announcer's own connection behind a database that goes silent (a partition: connections stay
 * open, nothing gets through). It gives that connection 2 s to open or to answer a NOTIFY; past that,
 * and while it opens another, the pool carries the announcements (here, a pool straight to the
 * database, which the partition does not reach). Nothing announced is lost.
 */
describe('the event announcer when its connection goes silent', () => {
  const target = new URL(process.env.E2E_DATABASE_URL ?? '');
  let proxy: TcpProxy;
  let pool: Pool;
  let listener: Client;
  let announcer: EventAnnouncer;
  const heard: string[] = [];
  /** The orgs announced through the pool. */
  const throughPool: string[] = [];

  beforeAll(async () => {
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const throughProxy = new URL(target);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);
    pool = new Pool({ connectionString: target.toString(), max: 2 });
    listener = new Client({ connectionString: target.toString() });
    await listener.connect();
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    const query = async (sql: string, parameters: [string[]]) => {
      throughPool.push(...parameters[0]);
      return (await pool.query(sql, parameters)).rows;
    };
    const db = { manager: { query } } as unknown as DataSource;
    announcer = new EventAnnouncer(db, { DATABASE_URL: throughProxy.toString() } as AppConfig);
  });

  afterAll(async () => {
    proxy.heal();
    await announcer.onModuleDestroy();
    await listener.end();
    await pool.end();
    await proxy.close();
  });

  const org = (name: string) => `announcer-test-${name}`;
  async function hears(name: string, withinMs: number): Promise<void> {
    const started = Date.now();
    while (!heard.includes(`org:${org(name)}`)) {
      if (Date.now() - started > withinMs) throw new Error(`${org(name)} not announced within ${withinMs} ms; heard ${JSON.stringify(heard)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  /** Announces until one goes out on the announcer's own connection (it opens it in the background, the pool meanwhile). */
  async function onItsOwnConnection(label: string): Promise<void> {
    for (let n = 0; n < 100; n++) {
      const name = `${label}-${n}`;
      announcer.announce([org(name)]);
      await hears(name, 5000);
      if (!throughPool.includes(org(name))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the announcer never used a connection of its own');
  }

  it('announces on its own connection, and through the pool, losing nothing, while that connection is silent', async () => {
    await onItsOwnConnection('before');
    const pooledBefore = throughPool.length;

    proxy.partition();
    // `b`'s NOTIFY hangs on the silent connection and `c` waits behind it: without a timeout both
    // waited until TCP gave up. After 2 s `b` goes through the pool, and `c` and `d` at once while
    // the announcer tries to open another connection.
    announcer.announce([org('b')]);
    announcer.announce([org('c')]);
    await hears('b', 5000);
    await hears('c', 1500);
    announcer.announce([org('d')]);
    await hears('d', 1500);
    expect(throughPool.slice(pooledBefore)).toEqual([org('b'), org('c'), org('d')]);

    proxy.heal();
    await onItsOwnConnection('after');
  });
});
