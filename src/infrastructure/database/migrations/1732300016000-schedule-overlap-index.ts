import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The schedule sweep's overlap check (SPEC §8: a tick is skipped while the agent's previous scheduled
 * run is queued or running) asks, for every due agent, whether it has such a run. Without an index of
 * its own the planner answered it from runs_agent_created_idx, reading every run the agent ever had:
 * an every-minute schedule keeps about 130,000 runs in 90 days of retention, so each tick's check
 * grew with the history. This partial index holds only scheduled runs still queued or running, a few
 * per agent at most, so the check is one probe.
 */
export class ScheduleOverlapIndex1732300016000 implements MigrationInterface {
  name = 'ScheduleOverlapIndex1732300016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX runs_schedule_busy_idx ON runs (agent_id) WHERE trigger = 'schedule' AND status IN ('queued', 'running')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX runs_schedule_busy_idx`);
  }
}
