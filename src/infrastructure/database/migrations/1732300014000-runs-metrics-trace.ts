import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #26. `traceparent`: the W3C trace context of the request that created a run, which the claim
 * hands to the runtime so its spans join that trace (null when tracing was off). `runs_live_idx`: the
 * runs that can still change, with every column /metrics reads, so a scrape's counts and the age of
 * the oldest queued run are an index-only scan whose size follows the work in flight, not the history.
 */
export class RunsMetricsTrace1732300014000 implements MigrationInterface {
  name = 'RunsMetricsTrace1732300014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs ADD COLUMN traceparent text`);
    await q.query(
      `CREATE INDEX runs_live_idx ON runs (status, created_at) INCLUDE (lease_expires_at) WHERE status IN ('queued', 'running', 'awaiting_approval')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX runs_live_idx`);
    await q.query(`ALTER TABLE runs DROP COLUMN traceparent`);
  }
}
