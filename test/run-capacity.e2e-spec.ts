import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { AGENTS, freshOrg } from './support/agents';
import { withDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { auth, user } from './support/principals';
import { claim, deployedAgent, insertRuns, queuedRun, report, runtimeKey, startRun } from './support/runs';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}
const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
const INDEX_DRIVEN = ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan', 'Bitmap Heap Scan'];
const claimSql = (): string =>
  execFileSync(process.execPath, ['-p', "require('./dist/modules/runs/runs.repository').CLAIM_NEXT_SQL"], { cwd: resolve(__dirname, '..'), encoding: 'utf8' });

const activeRuns = (agentId: number) =>
  withDatabase(async (db) => (await db.query(`SELECT count(*)::int AS n FROM runs WHERE agent_id = $1 AND (status = 'running' OR (status = 'queued' AND lease_expires_at IS NOT NULL))`, [agentId])).rows[0].n as number);

/** Issue #25: per-agent capacity (SPEC §15, `concurrency` in variation content). */
describe('agent capacity', () => {
  it('limit 2, 10 runs, 8 runtimes claiming at once: never more than 2 claimed or running, and all 10 finish', async () => {
    const org = freshOrg();
    const owner = user(org, 'owner');
    const agent = await deployedAgent(owner, { concurrency: { limit: 2, onLimit: 'queue' } });
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => queuedRun(owner, agent.id, { input: { i } })));
    const runtime = await runtimeKey(org);
    let holding = 0;
    let mostHeld = 0;
    let mostInDatabase = 0;
    const finished = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        mostInDatabase = Math.max(mostInDatabase, await activeRuns(agent.id));
        await new Promise((resolveSample) => setTimeout(resolveSample, 20));
      }
    })();
    const worker = async () => {
      while (finished.size < runs.length) {
        const claimed = await claim(runtime, { agentIds: [agent.id], waitSeconds: 1 });
        if (claimed.status === 204) continue;
        expect(claimed.status).toBe(200);
        // Counted from when the answer arrived (after the claim committed) until just before the outcome is sent (before it commits):
        // never more than the database held at that moment.
        mostHeld = Math.max(mostHeld, ++holding);
        const id = claimed.body.run.id;
        expect((await report(runtime, id, { type: 'started' })).status).toBe(200);
        await new Promise((resolveHold) => setTimeout(resolveHold, 100));
        holding--;
        expect((await report(runtime, id, { type: 'outcome', output: { ok: true } })).status).toBe(200);
        finished.add(id);
      }
    };
    try {
      await Promise.all(Array.from({ length: 8 }, worker));
    } finally {
      sampling = false;
      await sampler;
    }
    expect([...finished].sort()).toEqual(runs.map((run) => run.id).sort());
    expect(mostHeld).toBe(2);
    expect(mostInDatabase).toBeLessThanOrEqual(2);
    const counted = await withDatabase(async (db) => (await db.query(`SELECT active_runs FROM agents WHERE id = $1`, [agent.id])).rows[0].active_runs);
    expect(counted).toBe(0);
  }, 60_000);

  it("a full agent never holds back another agent's runs queued after its own", async () => {
    const org = freshOrg();
    const owner = user(org, 'owner');
    const full = await deployedAgent(owner, { concurrency: { limit: 1, onLimit: 'queue' } });
    const other = await deployedAgent(owner);
    const fullRuns = [await queuedRun(owner, full.id), await queuedRun(owner, full.id), await queuedRun(owner, full.id)];
    const runtime = await runtimeKey(org);
    const first = await claim(runtime);
    expect(first.body.run.id).toBe(fullRuns[0].id);
    const otherRun = await queuedRun(owner, other.id);
    const next = await claim(runtime);
    expect(next.body.run.id).toBe(otherRun.id);
    expect((await claim(runtime)).status).toBe(204);
    const queue = await api('GET', `${AGENTS}/${full.id}/queue`, auth(owner));
    expect(queue.status).toBe(200);
    expect(queue.body).toEqual({ queued: 2, claimed: 1, running: 0, awaitingApproval: 0, limit: 1, oldestQueuedAt: fullRuns[1].createdAt });
    // The slot frees when the claimed run ends (here: cancelled), and the next of the full agent goes out.
    expect((await api('POST', `/api/v1/runs/${fullRuns[0].id}/cancel`, auth(owner))).status).toBe(200);
    expect((await claim(runtime)).body.run.id).toBe(fullRuns[1].id);
  });

  it('onLimit reject: a start while the agent has limit runs queued, claimed or running is 429 AGENT_AT_CAPACITY with Retry-After', async () => {
    const org = freshOrg();
    const owner = user(org, 'owner');
    const agent = await deployedAgent(owner, { concurrency: { limit: 1, onLimit: 'reject' } });
    const first = await queuedRun(owner, agent.id);
    const refused = await startRun(owner, agent.id);
    expectProblem(refused, 429, 'AGENT_AT_CAPACITY');
    expect(refused.headers.get('retry-after')).toBe('5');
    const runtime = await runtimeKey(org);
    const claimed = await claim(runtime, { agentIds: [agent.id] });
    expect((await report(runtime, claimed.body.run.id, { type: 'started' })).status).toBe(200);
    expectProblem(await startRun(owner, agent.id), 429, 'AGENT_AT_CAPACITY');
    expect((await report(runtime, first.id, { type: 'outcome', output: {} })).status).toBe(200);
    expect((await startRun(owner, agent.id)).status).toBe(201);
  });

  it('refuses a concurrency out of range or of unknown shape with 400 naming each field; null removes it', async () => {
    const owner = user(freshOrg(), 'owner');
    const created = await api('POST', AGENTS, { ...auth(owner), body: { name: 'Bad', concurrency: { limit: 0, onLimit: 'drop' } } });
    expect(expectProblem(created, 400, 'VALIDATION_FAILED').errors.map((error: any) => error.field).sort()).toEqual(['concurrency.limit', 'concurrency.onLimit']);
    const tooMany = await api('POST', AGENTS, { ...auth(owner), body: { name: 'Bad', concurrency: { limit: 1001, onLimit: 'queue' } } });
    expect(expectProblem(tooMany, 400, 'VALIDATION_FAILED').errors.map((error: any) => error.field)).toEqual(['concurrency.limit']);
    const agent = await deployedAgent(owner, { concurrency: { limit: 3, onLimit: 'queue' } });
    expect(agent.variation.concurrency).toEqual({ limit: 3, onLimit: 'queue' });
    const cleared = await api('PATCH', `${AGENTS}/${agent.id}`, { ...auth(owner), body: { concurrency: null } });
    expect(cleared.body.variation.concurrency).toBeNull();
    expect(cleared.body.hasUnpublishedChanges).toBe(true);
  });

  // 20,000 keeps the suite fast and already shows the shape; PLAN_RUNS=100000 PRINT_PLANS=1 prints the plan docs/decisions.md shows.
  const backlog = Number(process.env.PLAN_RUNS ?? 20_000);
  it(`plans the claim as index probes when ${backlog} queued runs of a full agent come before another agent’s run`, async () => {
    const org = freshOrg();
    const owner = user(org, 'owner');
    const full = await deployedAgent(owner, { concurrency: { limit: 2, onLimit: 'queue' } });
    const other = await deployedAgent(owner);
    await withDatabase(async (db) => {
      await db.query('BEGIN');
      try {
        await insertRuns(db, full.id, backlog, 'queued', 'plan-test');
        await db.query(`UPDATE runs SET lease_expires_at = now() + interval '1 minute', claimed_by = 'plan-test' WHERE id IN (SELECT id FROM runs WHERE agent_id = $1 ORDER BY seq LIMIT 2)`, [full.id]);
        await insertRuns(db, other.id, 1, 'queued', 'plan-test');
        await db.query('ANALYZE runs');
        expect((await db.query(`SELECT active_runs FROM agents WHERE id = $1`, [full.id])).rows[0].active_runs).toBe(2);
        if (process.env.PRINT_PLANS) {
          // For docs/decisions.md: the same claim, as text, undone so the checked one below claims the same run.
          await db.query('SAVEPOINT shown');
          const text = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${claimSql()}`, [org, 'plan-test', 60, null, 'runtime', null]);
          console.log(text.rows.map((row) => row['QUERY PLAN']).join('\n'));
          await db.query('ROLLBACK TO SAVEPOINT shown');
        }
        const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${claimSql()}`, [org, 'plan-test', 60, null, 'runtime', null]);
        const plan = rows[0]['QUERY PLAN'][0];
        // Every access to runs goes through one of its indexes (an index scan, or a bitmap of one: in a
        // whole e2e run, whose other runs shift the table's statistics, the planner once took a Bitmap
        // Heap Scan) and touches a handful of rows: the full agent's backlog is never walked.
        const runScans = nodes(plan.Plan).filter((node) => node['Node Type'].includes('Scan') && (node['Relation Name'] === 'runs' || node['Index Name']?.startsWith('runs_')));
        const touched = (node: PlanNode) => (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1);
        const offending = runScans.filter((node) => !INDEX_DRIVEN.includes(node['Node Type']) || touched(node) >= 10);
        expect(offending.map((node) => `${node['Node Type']} ${node['Index Name'] ?? ''} (${node.Alias ?? ''}): ${touched(node)} rows`)).toEqual([]);
        expect(runScans.length).toBeGreaterThan(0);
        const claimed = await db.query(`SELECT agent_id FROM runs WHERE claimed_by = 'plan-test' AND agent_id = $1`, [other.id]);
        expect(claimed.rowCount).toBe(1);
      } finally {
        await db.query('ROLLBACK');
      }
    });
  }, 120_000);
});
