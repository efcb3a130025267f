import type { PoolClient, QueryConfig } from 'pg';
import { QueryRunner } from 'typeorm';

/** How long an index build may take before the client stops waiting: a day (the server's own limit is lifted). */
const INDEX_BUILD_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/**
 * Builds an index on a table that may be big and is written while the migration runs (instances of the
 * previous release keep serving during a deploy): CONCURRENTLY, so writes go on, and without the pool's
 * statement and query timeouts, which a long build would outlast and fail the start on. A build that
 * failed halfway leaves an invalid index of that name, dropped first. The migration must say
 * `transaction = false` (CONCURRENTLY cannot run in a transaction).
 */
export async function createIndexConcurrently(q: QueryRunner, name: string, definition: string): Promise<void> {
  const client = (await q.connect()) as PoolClient;
  const long = (text: string) => client.query({ text, query_timeout: INDEX_BUILD_TIMEOUT_MS } as QueryConfig);
  await client.query('SET statement_timeout = 0');
  try {
    await long(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    await long(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
  } finally {
    await client.query('RESET statement_timeout');
  }
}
