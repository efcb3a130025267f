import { AGENTS, freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { api } from './support/http';
import { ownDatabase } from './support/database';
import { user } from './support/principals';
import { TcpProxy } from './support/tcp-proxy';
import { MAX_REQUEST_MS, OUTAGE_DB_ENV, WriteLoad } from './support/write-load';

/**
 * Issue #14: no acknowledged write is lost across a database outage. Writers PATCH agents and report
 * run events through a TCP proxy to PostgreSQL, which plays two outages mid-load: a cut (every
 * connection reset, new ones refused) and a partition (connections open but silent until it heals,
 * the kind where only a client-side timeout stops a request from hanging). Every write that got a 2xx
 * is read back afterwards; every request made while the database was away got 503 with Retry-After
 * within a connect plus a statement timeout; the same process serves again once the database is back.
 */
const WRITERS = 6;

describe('a database outage under load', () => {
  let proxy: TcpProxy;
  let app: AppProcess;
  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    // A database of its own: an instance cut off from the shared one would hold the suite's periodic
    // jobs (schedule sweeps, digests) until pg-boss saw its heartbeat stop, stalling other tests.
    database = await ownDatabase('agentry_outage_test');
    const target = new URL(database.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(target.toString());
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    app = await startApp(
      suiteEnv({
        DATABASE_URL: viaProxy.toString(),
        ...OUTAGE_DB_ENV,
      }),
    );
  });

  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('loses no acknowledged PATCH or run event, answers 503 with Retry-After during the cut, and recovers without a restart', async () => {
    const owner = user(freshOrg(), 'outage-owner', { admin: true });
    const via = { baseUrl: app.url };
    const load = await WriteLoad.prepare(app.url, owner, WRITERS, MAX_REQUEST_MS * 2);
    load.start();

    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    /** Runs one outage under the load and waits until the service answers 2xx again (it must recover without a restart). */
    const outage = async (begin: () => void, end: () => void, ms: number): Promise<{ from: number; to: number; recovered: boolean }> => {
      const from = Date.now();
      begin();
      await pause(ms);
      const to = Date.now();
      end();
      return { from, to, recovered: await load.recoveredAfter(to) };
    };
    await pause(1000);
    const cut = await outage(() => proxy.cut(), () => proxy.restore(), 2500);
    await pause(500);
    // Longer than any request may take, so a request that waits for the network to heal is caught.
    const partition = await outage(() => proxy.partition(), () => proxy.heal(), MAX_REQUEST_MS + 1500);
    await pause(1000);
    await load.stop();
    expect({ cut: cut.recovered, partition: partition.recovered }).toEqual({ cut: true, partition: true });

    // Every answer is a success or a 503 with Retry-After, and none took longer than a connect plus a statement.
    load.expectOnlySuccessOr503(MAX_REQUEST_MS);
    // Whatever was asked while the database was away (begun after an outage began, answered before it ended) is a 503,
    // and there were such requests: the outages really were mid-load.
    for (const [name, { from, to }] of Object.entries({ cut, partition })) {
      const during = load.during(from, to);
      expect({ name, requests: during.length > 0, notUnavailable: during.filter((a) => a.status !== 503) }).toEqual({ name, requests: true, notUnavailable: [] });
    }
    expect(load.attempts.some((a) => a.endedAt < cut.from && a.status === 200)).toBe(true);
    await load.expectAcknowledgedWritesKept();

    // The same process, never restarted, is ready and writes again.
    expect(app.process.exitCode).toBeNull();
    expect((await api('GET', '/health/ready', via)).status).toBe(200);
    expect((await api('PATCH', `${AGENTS}/${load.firstAgent}`, { ...owner, ...via, body: { description: 'after the outage' } })).status).toBe(200);
  }, 120_000);
});
