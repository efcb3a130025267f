import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';

/** The advisory lock every instance takes to migrate: any constant that nothing else in the database uses. */
const MIGRATION_LOCK = 7_310_217_001;
const RETRY_MS = 250;

/**
 * Runs the pending migrations while holding a session advisory lock, so instances starting together
 * (a deployment, a fleet restarting after a crash) migrate one at a time: the others wait, then find
 * nothing pending. TypeORM's own run takes no lock, and two of them create the same tables at once.
 * The lock is polled rather than waited on, so no statement outlasts DB_STATEMENT_TIMEOUT_MS while a
 * long migration runs elsewhere; it goes with its session if the instance holding it dies.
 */
export async function migrateExclusively(dataSource: DataSource): Promise<void> {
  const session = dataSource.createQueryRunner();
  try {
    await session.connect();
    const take = async () => ((await session.query('SELECT pg_try_advisory_lock($1) AS taken', [MIGRATION_LOCK])) as { taken: boolean }[])[0]?.taken;
    while (!(await take())) await sleep(RETRY_MS);
    try {
      await dataSource.runMigrations();
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await session.release();
  }
}
