import { AGENTS, freshOrg, getAgent } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { withDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { user } from './support/principals';
import { claim, deployedAgent, eventually, getRun, heartbeat, queuedRun, report, runtimeKey } from './support/runs';

/**
 * Issue #10: lapsed claims, timeouts and retention run on pg-boss in every instance. A second instance
 * with a 1 s lease and a 2 s timeout shares the database with the suite's own; both sweep every 200 ms.
 * Time moves by short configured values, never by sleeping for minutes.
 */
describe('runs: sweeps across two service instances', () => {
  const org = freshOrg();
  const alice = user(org, 'alice', { admin: true });
  let fast: AppProcess;
  let runtime: { apiKey: string };

  beforeAll(async () => {
    fast = await startApp(suiteEnv({ RUN_LEASE_SECONDS: '1', RUN_TIMEOUT_SECONDS: '2' }));
    runtime = await runtimeKey(org);
  });
  afterAll(async () => {
    await fast?.stop();
  });

  const statusOf = async (runId: string) => (await getRun(alice, runId)).body;

  it('puts a claim that is never started back in the queue, and fails it after three claims', async () => {
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claimed = await claim(runtime, { agentIds: [agent.id], waitSeconds: 10 }, fast.url);
      expect(claimed.body.run).toMatchObject({ id: run.id, attempt });
      if (attempt < 3) {
        const back = await eventually(async () => ((await statusOf(run.id)).claimedAt === null ? statusOf(run.id) : undefined), 10_000, 'lease expiry');
        expect(back).toMatchObject({ status: 'queued', attempt: attempt + 1 });
      }
    }
    const failed = await eventually(async () => ((await statusOf(run.id)).status === 'failed' ? statusOf(run.id) : undefined), 10_000, 'final lease expiry');
    expect(failed.error).toMatchObject({ code: 'lease_expired' });
    expect(failed.events.map((e: { type: string }) => e.type)).toEqual(['lease_expired', 'lease_expired', 'error']);
    expectProblem(await report(runtime, run.id, { type: 'started' }, fast.url), 409, 'RUN_STATE_CONFLICT');
  });

  it('keeps a claim alive with heartbeats', async () => {
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    await claim(runtime, { agentIds: [agent.id] }, fast.url);
    for (let beat = 0; beat < 5; beat++) {
      expect((await heartbeat(runtime, run.id, fast.url)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(await statusOf(run.id)).toMatchObject({ status: 'queued', attempt: 1, claimedAt: expect.any(String) });
    expect((await report(runtime, run.id, { type: 'started' }, fast.url)).status).toBe(200);
  });

  it('times out a started run that goes silent, and never hands it out again', async () => {
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    await claim(runtime, { agentIds: [agent.id] }, fast.url);
    await report(runtime, run.id, { type: 'started' }, fast.url);
    for (let beat = 0; beat < 4; beat++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await heartbeat(runtime, run.id, fast.url)).body.status).toBe('running');
    }
    const failed = await eventually(async () => ((await statusOf(run.id)).status === 'failed' ? statusOf(run.id) : undefined), 10_000, 'timeout');
    expect(failed.error).toMatchObject({ code: 'timed_out' });
    expect((await claim(runtime, { agentIds: [agent.id] }, fast.url)).status).toBe(204);
    expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(204);
    expectProblem(await heartbeat(runtime, run.id, fast.url), 409, 'RUN_STATE_CONFLICT');
  });

  it('removes finished runs past retention, with their events, and takes them off runsCount', async () => {
    const agent = await deployedAgent(alice);
    const old = await queuedRun(alice, agent.id);
    const recent = await queuedRun(alice, agent.id);
    for (const run of [old, recent]) expect((await report(alice, run.id, { type: 'error', error: { code: 'x', message: 'y' } })).status).toBe(200);
    await withDatabase((db) => db.query(`UPDATE runs SET finished_at = now() - interval '200 days' WHERE id = $1`, [old.id]));
    await eventually(async () => ((await getRun(alice, old.id)).status === 404 ? true : undefined), 10_000, 'retention');
    expect((await getRun(alice, recent.id)).status).toBe(200);
    expect((await getAgent(alice, agent.id)).body.runsCount).toBe(1);
    const events = await withDatabase((db) => db.query(`SELECT count(*)::int AS n FROM run_events WHERE run_id = $1`, [old.id]));
    expect(events.rows[0].n).toBe(0);
  });

  it('hands each run to exactly one claimant when claims arrive at both instances at once', async () => {
    const agent = await deployedAgent(alice);
    const queued = new Set<string>();
    for (let i = 0; i < 6; i++) queued.add((await queuedRun(alice, agent.id)).id);
    // No waiting: the second instance's 1 s lease could lapse while a claim waits, and a lapsed claim is rightly handed out again.
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claim(runtime, { agentIds: [agent.id], waitSeconds: 0 }, i % 2 ? fast.url : undefined)));
    const won = claims.filter((c) => c.status === 200).map((c) => c.body.run.id);
    expect(won).toHaveLength(6);
    expect(new Set(won)).toEqual(queued);
    expect(claims.filter((c) => c.status === 200).map((c) => c.body.run.attempt)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(claims.filter((c) => c.status === 204)).toHaveLength(6);
    expect((await getAgent(alice, agent.id)).body.runsCount).toBe(6);
  });

  it('wakes a claim waiting on one instance when the run is queued through the other', async () => {
    const agent = await deployedAgent(alice);
    const waiting = claim(runtime, { agentIds: [agent.id], waitSeconds: 20 }, fast.url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const began = Date.now();
    const run = await queuedRun(alice, agent.id);
    expect((await waiting).body.run.id).toBe(run.id);
    expect(Date.now() - began).toBeLessThan(5_000);
  });
});

describe('waiting claims and the connection pool', () => {
  it('lets ten runtimes wait on an instance whose pool has two connections, and still answers everyone', async () => {
    const org = freshOrg();
    const alice = user(org, 'alice', { admin: true });
    const runtime = await runtimeKey(org);
    const agent = await deployedAgent(alice);
    const small = await startApp(suiteEnv({ DB_POOL_SIZE: '2' }));
    try {
      const waiting = Array.from({ length: 10 }, () => claim(runtime, { agentIds: [agent.id], waitSeconds: 3 }, small.url));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const began = Date.now();
      const read = await api('GET', `${AGENTS}/${agent.id}`, { ...alice, baseUrl: small.url });
      expect(read.status).toBe(200);
      expect(Date.now() - began).toBeLessThan(2_000);
      await queuedRun(alice, agent.id);
      await queuedRun(alice, agent.id);
      const claims = await Promise.all(waiting);
      expect(claims.filter((c) => c.status === 200)).toHaveLength(2);
      expect(claims.filter((c) => c.status === 204)).toHaveLength(8);
    } finally {
      await small.stop();
    }
  });
});

describe('service shutdown with runtimes waiting', () => {
  it('answers waiting claims at once on SIGTERM and exits 0, with pg-boss stopped before the pool', async () => {
    const org = freshOrg();
    const runtime = await runtimeKey(org);
    const app = await startApp(suiteEnv({ LOG_LEVEL: 'info' }));
    try {
      const waiting = claim(runtime, { waitSeconds: 30 }, app.url);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const began = Date.now();
      const exited = app.stop();
      expect((await waiting).status).toBe(204);
      expect(await exited).toBe(0);
      expect(Date.now() - began).toBeLessThan(8_000);
      expect(app.output()).not.toMatch(/"level":(50|60)/);
    } finally {
      await app.stop();
    }
  });
});

describe('runs: agents of another org stay invisible to runtimes', () => {
  it('never hands a run to a runtime of another org', async () => {
    const org = freshOrg();
    const alice = user(org, 'alice', { admin: true });
    const agent = await deployedAgent(alice);
    await queuedRun(alice, agent.id);
    const stranger = await runtimeKey(freshOrg());
    expect((await claim(stranger, {})).status).toBe(204);
    expect((await claim(stranger, { agentIds: [agent.id] })).status).toBe(204);
    // The run was claimable all along: its own org's admin gets it.
    expect((await claim(alice, {})).status).toBe(200);
  });
});
