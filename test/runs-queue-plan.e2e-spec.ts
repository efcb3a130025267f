import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { freshOrg } from './support/agents';
import { withDatabase } from './support/database';
import { user } from './support/principals';
import { deployedAgent, insertRuns } from './support/runs';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/** The claim statement of the built service (Nest's modules are ESM, which jest cannot load here). */
const claimSql = (): string =>
  execFileSync(process.execPath, ['-p', "require('./dist/modules/runs/runs.repository').CLAIM_NEXT_SQL"], { cwd: resolve(__dirname, '..'), encoding: 'utf8' });

/**
 * Issue #15: a claim stays one index probe however long the run history grows. Queued runs are the
 * newest, which the planner cannot know; given an index on `seq` alone it walked the history in `seq`
 * order (100,000 finished runs, 14 ms a claim) instead of the queue's partial index (0.05 ms).
 * The rows and the statistics live in one transaction that is rolled back, so no other test sees them.
 */
describe('the run queue', () => {
  it('plans the claim on the queue index when a long history precedes the queued runs', async () => {
    const org = freshOrg();
    const agent = await deployedAgent(user(org, 'queue-owner'));
    await withDatabase(async (db) => {
      await db.query('BEGIN');
      try {
        await insertRuns(db, agent.id, 100_000, 'succeeded', 'plan-test');
        await insertRuns(db, agent.id, 60_000, 'queued', 'plan-test');
        await db.query('ANALYZE runs');
        const { rows } = await db.query(`EXPLAIN (FORMAT JSON) ${claimSql()}`, [org, 'plan-test', 60, randomUUID(), 'runtime', null]);
        const queueScans = nodes(rows[0]['QUERY PLAN'][0].Plan).filter((node) => node['Relation Name'] === 'runs' && node.Alias === 'q');
        expect(queueScans.map((node) => [node['Node Type'], node['Index Name']])).toEqual([['Index Scan', 'runs_claimable_idx']]);
      } finally {
        await db.query('ROLLBACK');
      }
    });
  }, 60_000);
});
