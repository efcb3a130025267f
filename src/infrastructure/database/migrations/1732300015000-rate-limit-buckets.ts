import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rate limits' token buckets, one row per caller or org and route family, shared by every instance.
 * UNLOGGED: a bucket is rewritten on every request, and a commit that touched only unlogged tables does
 * not wait for a WAL flush; after a crash the table is empty, which only means every bucket starts full.
 * fillfactor leaves room on each page so the updates stay HOT (the key, the only indexed column, never
 * changes).
 */
export class RateLimitBuckets1732300015000 implements MigrationInterface {
  name = 'RateLimitBuckets1732300015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_buckets (
        key text PRIMARY KEY,
        capacity double precision NOT NULL,
        per_second double precision NOT NULL,
        tokens double precision NOT NULL,
        allowed boolean NOT NULL,
        updated_at timestamptz(3) NOT NULL
      ) WITH (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit_buckets`);
  }
}
