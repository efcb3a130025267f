import { AGENTS, deployableTask, freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { api, expectProblem } from './support/http';
import { ownDatabase } from './support/database';
import { user } from './support/principals';
import { claim, report, RUNS } from './support/runs';
import { TcpProxy } from './support/tcp-proxy';

/**
 * Issue #14: no acknowledged write is lost across a database outage. Writers PATCH agents and report
 * run events through a TCP proxy to PostgreSQL, which plays two outages mid-load: a cut (every
 * connection reset, new ones refused) and a partition (connections open but silent until it heals,
 * the kind where only a client-side timeout stops a request from hanging). Every write that got a 2xx
 * is read back afterwards; every request made while the database was away got 503 with Retry-After
 * within a connect plus a statement timeout; the same process serves again once the database is back.
 */
const STATEMENT_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 1000;
/**
 * Longest any request may take, outage or not: waiting for a connection, then one statement and the
 * client's 1 s margin over the statement timeout, and some slack for a loaded machine.
 */
const MAX_REQUEST_MS = CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 1000 + 1500;
const WRITERS = 6;

interface Attempt {
  kind: 'patch' | 'event';
  target: number | string;
  value: string;
  status: number;
  startedAt: number;
  endedAt: number;
  retryAfter: string | null;
  etag?: string;
}

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
        DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      }),
    );
  });

  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('loses no acknowledged PATCH or run event, answers 503 with Retry-After during the cut, and recovers without a restart', async () => {
    const org = freshOrg();
    const owner = user(org, 'outage-owner', { admin: true });
    const via = { baseUrl: app.url };
    const key = await api('POST', '/api/v1/api-keys', { ...owner, body: { name: 'outage runtime', role: 'runtime' }, ...via });
    expect(key.status).toBe(201);
    const runtime = { apiKey: key.body.key as string };

    // One agent and one running run per writer, so each writer's own writes are ordered.
    const agents: number[] = [];
    const runs: string[] = [];
    for (let writer = 0; writer < WRITERS; writer++) {
      const created = await api('POST', AGENTS, { ...owner, body: deployableTask(), ...via });
      expect(created.status).toBe(201);
      const agent = created.body;
      expect((await api('POST', `${AGENTS}/${agent.id}/deploy`, { ...owner, ...via })).status).toBe(200);
      const started = await api('POST', `${AGENTS}/${agent.id}/runs`, { ...owner, body: {}, ...via });
      expect(started.status).toBe(201);
      const claimed = await claim(runtime, { agentIds: [agent.id], waitSeconds: 0 }, app.url);
      expect(claimed.status).toBe(200);
      expect((await report(runtime, claimed.body.run.id, { type: 'started' }, app.url)).status).toBe(200);
      agents.push(agent.id);
      runs.push(claimed.body.run.id);
    }

    const attempts: Attempt[] = [];
    let stop = false;
    const send = async (kind: Attempt['kind'], target: number | string, value: string): Promise<void> => {
      const startedAt = Date.now();
      const path = kind === 'patch' ? `${AGENTS}/${target}` : `${RUNS}/${target}/events`;
      const body = kind === 'patch' ? { description: value } : { type: 'action_taken', message: value };
      const request = kind === 'patch' ? { ...owner, body, ...via } : { ...runtime, body, ...via };
      let status = 0;
      let retryAfter: string | null = null;
      let etag: string | undefined;
      try {
        const response = await api(kind === 'patch' ? 'PATCH' : 'POST', path, { ...request, signal: AbortSignal.timeout(MAX_REQUEST_MS * 2) });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        etag = response.headers.get('etag') ?? undefined;
        if (status >= 400) expectProblem(response, 503, 'DATABASE_UNAVAILABLE');
      } catch (error) {
        if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
        // status 0: the request hung; asserted below with the rest.
      }
      attempts.push({ kind, target, value, status, startedAt, endedAt: Date.now(), retryAfter, etag });
    };
    const writers = agents.map(async (agentId, writer) => {
      for (let sequence = 0; !stop; sequence++) {
        await send('patch', agentId, `writer ${writer} patch ${sequence}`);
        await send('event', runs[writer]!, `writer ${writer} event ${sequence}`);
      }
    });

    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    /** Runs one outage under the load and waits until the service answers 2xx again (it must recover without a restart). */
    const outage = async (begin: () => void, end: () => void, ms: number): Promise<{ from: number; to: number; recovered: boolean }> => {
      const from = Date.now();
      begin();
      await pause(ms);
      const to = Date.now();
      end();
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !attempts.some((a) => a.startedAt > to && a.status >= 200 && a.status < 300)) await pause(100);
      return { from, to, recovered: attempts.some((a) => a.startedAt > to && a.status >= 200 && a.status < 300) };
    };
    await pause(1000);
    const cut = await outage(() => proxy.cut(), () => proxy.restore(), 2500);
    await pause(500);
    // Longer than any request may take, so a request that waits for the network to heal is caught.
    const partition = await outage(() => proxy.partition(), () => proxy.heal(), MAX_REQUEST_MS + 1500);
    await pause(1000);
    stop = true;
    await Promise.all(writers);
    expect({ cut: cut.recovered, partition: partition.recovered }).toEqual({ cut: true, partition: true });

    // Every answer is a success or a 503 with Retry-After, and none took longer than a connect plus a statement.
    expect(attempts.filter((a) => !(a.status >= 200 && a.status < 300) && !(a.status === 503 && /^\d+$/.test(a.retryAfter ?? '')))).toEqual([]);
    expect(attempts.filter((a) => a.endedAt - a.startedAt > MAX_REQUEST_MS)).toEqual([]);
    // Whatever was asked while the database was away (begun after an outage began, answered before it ended) is a 503,
    // and there were such requests: the outages really were mid-load.
    for (const [name, { from, to }] of Object.entries({ cut, partition })) {
      const during = attempts.filter((a) => a.startedAt >= from && a.endedAt <= to);
      expect({ name, requests: during.length > 0, notUnavailable: during.filter((a) => a.status !== 503) }).toEqual({ name, requests: true, notUnavailable: [] });
    }
    expect(attempts.some((a) => a.endedAt < cut.from && a.status === 200)).toBe(true);

    // Every acknowledged run event is in its run.
    for (const [writer, runId] of runs.entries()) {
      const run = await api('GET', `${RUNS}/${runId}`, { ...owner, ...via });
      expect(run.status).toBe(200);
      const stored = new Set((run.body.events as { message?: string }[]).map((event) => event.message));
      const acknowledged = attempts.filter((a) => a.kind === 'event' && a.target === runId && a.status === 200).map((a) => a.value);
      expect({ writer, missing: acknowledged.filter((message) => !stored.has(message)) }).toEqual({ writer, missing: [] });
    }
    // Every agent holds its writer's last acknowledged PATCH, or a later one whose answer was lost in the cut,
    // at a version no older than the last acknowledged one.
    for (const [writer, agentId] of agents.entries()) {
      const patches = attempts.filter((a) => a.kind === 'patch' && a.target === agentId).sort((x, y) => x.startedAt - y.startedAt);
      const lastAcknowledged = patches.map((a, index) => ({ a, index })).filter(({ a }) => a.status === 200).pop();
      expect(lastAcknowledged).toBeDefined();
      const agent = await api('GET', `${AGENTS}/${agentId}`, { ...owner, ...via });
      const allowed = patches.slice(lastAcknowledged!.index).map((a) => a.value);
      expect({ writer, description: allowed.includes(agent.body.description) }).toEqual({ writer, description: true });
      expect(Number(JSON.parse(agent.headers.get('etag')!))).toBeGreaterThanOrEqual(Number(JSON.parse(lastAcknowledged!.a.etag!)));
    }

    // The same process, never restarted, is ready and writes again.
    expect(app.process.exitCode).toBeNull();
    expect((await api('GET', '/health/ready', via)).status).toBe(200);
    expect((await api('PATCH', `${AGENTS}/${agents[0]}`, { ...owner, ...via, body: { description: 'after the outage' } })).status).toBe(200);
  }, 120_000);
});
