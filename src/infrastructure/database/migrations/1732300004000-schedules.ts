import { MigrationInterface, QueryRunner } from 'typeorm';

export class Schedules1732300004000 implements MigrationInterface {
  name = 'Schedules1732300004000';

  async up(q: QueryRunner): Promise<void> {
    // next_run_at is the stored next tick; what the sweep did with past ticks is kept beside it.
    await q.query(`
      ALTER TABLE agents
        ADD COLUMN last_tick_at timestamptz,
        ADD COLUMN last_tick_run_id uuid,
        ADD COLUMN skipped_ticks integer NOT NULL DEFAULT 0,
        ADD COLUMN missed_ticks integer NOT NULL DEFAULT 0`);
    // The sweep reads only due ticks: an index scan on next_run_at, never a scan of all agents.
    await q.query(`CREATE INDEX agents_due_ticks_idx ON agents (next_run_at) WHERE next_run_at IS NOT NULL`);
    // One run per agent and tick, whatever two sweeps believe.
    await q.query(`CREATE UNIQUE INDEX runs_agent_tick_key ON runs (agent_id, scheduled_for) WHERE scheduled_for IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX runs_agent_tick_key`);
    await q.query(`DROP INDEX agents_due_ticks_idx`);
    await q.query(`ALTER TABLE agents DROP COLUMN last_tick_at, DROP COLUMN last_tick_run_id, DROP COLUMN skipped_ticks, DROP COLUMN missed_ticks`);
  }
}
