import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `seq` loses its unique index. The identity already makes it unique, and every read that orders by
 * it has a better index: the queue runs_claimable_idx (org_id, seq), history runs_agent_*_seq_idx.
 * With an index on `seq` alone the planner could serve the claim's ORDER BY seq LIMIT 1 by walking
 * all of history, finished runs first, filtering; that made a claim cost grow with the run history.
 */
export class RunsQueueOrder1732300006000 implements MigrationInterface {
  name = 'RunsQueueOrder1732300006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs DROP CONSTRAINT runs_seq_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs ADD CONSTRAINT runs_seq_key UNIQUE (seq)`);
  }
}
