import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../src/infrastructure/config/app-config';
import { EVENTS_CHANNEL } from '../src/infrastructure/database/event-append.sql';
import { EventAnnouncer } from '../src/modules/events/event-announcer';
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
 * open, nothing gets through). Its connect and its NOTIFY have the pool's timeouts, so announcements
 * do not queue behind a call that would hang until TCP gave up; meanwhile they go through the pool
 * (here, a pool straight to the database, which the partition does not reach).
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
    const config = { DATABASE_URL: throughProxy.toString(), DB_CONNECT_TIMEOUT_MS: 300, DB_STATEMENT_TIMEOUT_MS: 300 } as AppConfig;
    const query = async (sql: string, parameters: [string[]]) => {
      throughPool.push(...parameters[0]);
      return (await pool.query(sql, parameters)).rows;
    };
    const db = { manager: { query } } as unknown as DataSource;
    announcer = new EventAnnouncer(db, config);
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

  it('announces on its own connection, and through the pool within its timeouts once that connection hangs', async () => {
    announcer.announce([org('a')]);
    await hears('a', 5000);

    proxy.partition();
    // The NOTIFY of `b` hangs on the silent connection; `c` waits behind it. Without timeouts both waited
    // until TCP gave up; with them, `b` fails after the query timeout (1.3 s here), the connection is
    // dropped, a new connect fails after 300 ms, and `c` goes through the pool.
    announcer.announce([org('b')]);
    announcer.announce([org('c')]);
    await hears('c', 5000);
    // Right after a failed connect, the pool at once.
    announcer.announce([org('d')]);
    await hears('d', 250);

    proxy.heal();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    announcer.announce([org('e')]);
    await hears('e', 5000);
    // `a` and `e` on its own connection; `b` was lost with the silent one (streams read it on their heartbeat).
    expect(throughPool).toEqual([org('c'), org('d')]);
  });
});
