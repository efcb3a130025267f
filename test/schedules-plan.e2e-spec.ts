import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { freshOrg, scheduleTrigger } from './support/agents';
import { withDatabase } from './support/database';
import { user } from './support/principals';
import { deployedAgent } from './support/runs';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/** A statement of the built service's schedules repository (Nest's modules are ESM, which jest cannot load here). */
const scheduleSql = (name: string): string =>
  execFileSync(process.execPath, ['-p', `require('./dist/modules/schedules/schedules.repository').${name}`], { cwd: resolve(__dirname, '..'), encoding: 'utf8' });

/**
 * Issue #28: the sweep finds due ticks by an index scan of the due range, whatever the number of
 * agents with a schedule: 100,000 scheduled agents, 1 % due (the benchmark shows the same plan with
 * 1,000,000); and its overlap check reads none of an agent's finished runs. The rows and the
 * statistics live in one transaction that is rolled back.
 */
describe('the schedule sweep', () => {
  it('locks due agents through the due-tick index, never a scan of every scheduled agent', async () => {
    const org = freshOrg();
    const template = await deployedAgent(user(org, 'plan-owner'), { trigger: scheduleTrigger('* * * * *', 'UTC') });
    await withDatabase(async (db) => {
      await db.query('BEGIN');
      try {
        await db.query(
          `INSERT INTO agents (uid, org_id, slug, status, name, type, owner, org_access, is_schedule_active, next_run_at, active_variation_id, latest_version, created_by)
           SELECT gen_random_uuid(), a.org_id, 'plan-' || g, 'active', a.name, a.type, a.owner, a.org_access, true,
             CASE WHEN g % 100 = 0 THEN now() - interval '1 second' ELSE now() + g * interval '1 second' END, a.active_variation_id, 1, a.created_by
           FROM agents a, generate_series(1, 100000) g WHERE a.id = $1`,
          [template.id],
        );
        // A long history: the overlap check must not read it (an every-minute schedule keeps ~130,000 runs over 90 days).
        await db.query(
          `INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, status, trigger, scheduled_for, created_by, finished_at)
           SELECT gen_random_uuid(), a.org_id, a.id, a.active_variation_id, 1, 'succeeded', 'schedule', now() - g * interval '1 minute', 'schedule', now()
           FROM agents a, generate_series(1, 20000) g WHERE a.id = $1`,
          [template.id],
        );
        await db.query('ANALYZE agents');
        await db.query('ANALYZE runs');
        const { rows } = await db.query(`EXPLAIN (FORMAT JSON) ${scheduleSql('LOCK_DUE_SQL')}`, [2500]);
        const scans = nodes(rows[0]['QUERY PLAN'][0].Plan).filter((node) => node['Relation Name'] === 'agents');
        expect(scans.map((node) => [node['Node Type'], node['Index Name']])).toEqual([['Index Scan', 'agents_due_ticks_idx']]);
        // The read of what was locked goes by primary key, not through every agent.
        const { rows: locked } = await db.query(scheduleSql('LOCK_DUE_SQL'), [2500]);
        expect(locked).toHaveLength(1000);
        const read = await db.query(`EXPLAIN (FORMAT JSON) ${scheduleSql('DUE_AGENTS_SQL')}`, [locked.map((row: { id: number }) => row.id)]);
        const readNodes = nodes(read.rows[0]['QUERY PLAN'][0].Plan);
        expect(readNodes.filter((node) => node['Relation Name'] === 'agents').map((node) => node['Node Type'])).not.toContain('Seq Scan');
        // The overlap check of the agent with the history: one probe of the queued-or-running scheduled runs.
        const overlap = await db.query(`EXPLAIN (FORMAT JSON) ${scheduleSql('DUE_AGENTS_SQL')}`, [[template.id]]);
        const runScans = nodes(overlap.rows[0]['QUERY PLAN'][0].Plan).filter((node) => node['Relation Name'] === 'runs');
        expect(runScans.map((node) => [node['Node Type'], node['Index Name']])).toEqual([['Index Only Scan', 'runs_schedule_busy_idx']]);
        // A batch when most scheduled agents still have a run queued (runtimes down, or a tick still
        // being swept): each agent of the batch is one probe of the index, never one read of every
        // queued scheduled run in the database hashed for the batch (what PostgreSQL planned for an
        // EXISTS with 2,500 agents and 100,000 such runs: 74 ms a batch, growing with the backlog).
        await db.query(
          `INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, status, trigger, scheduled_for, created_by)
           SELECT gen_random_uuid(), a.org_id, a.id, a.active_variation_id, 1, 'queued', 'schedule', now(), 'schedule'
           FROM agents a WHERE a.org_id = $1 AND a.slug LIKE 'plan-%'`,
          [org],
        );
        await db.query('ANALYZE runs');
        const { rows: batch } = await db.query(`SELECT id FROM agents WHERE org_id = $1 AND slug LIKE 'plan-%' ORDER BY id LIMIT 2500`, [org]);
        const backlog = await db.query(`EXPLAIN (FORMAT JSON) ${scheduleSql('DUE_AGENTS_SQL')}`, [batch.map((row: { id: number }) => row.id)]);
        const backlogScans = nodes(backlog.rows[0]['QUERY PLAN'][0].Plan).filter((node) => node['Relation Name'] === 'runs');
        expect(backlogScans.map((node) => [node['Node Type'], node['Index Name'], node['Index Cond']])).toEqual([[expect.stringMatching(/^Index/), 'runs_schedule_busy_idx', expect.stringContaining('agent_id = a.id')]]);
      } finally {
        await db.query('ROLLBACK');
      }
    });
  }, 60_000);
});
