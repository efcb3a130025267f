import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { typeormOptions } from './typeorm-options';

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
  await withMigrationLock(dataSource, () => dataSource.runMigrations().then(() => undefined));
}

/** Runs `work` holding the migration lock (above): migrating up, or an operator reverting. */
export async function withMigrationLock(dataSource: DataSource, work: () => Promise<void>): Promise<void> {
  const session = dataSource.createQueryRunner();
  try {
    await session.connect();
    const take = async () => ((await session.query('SELECT pg_try_advisory_lock($1) AS taken', [MIGRATION_LOCK])) as { taken: boolean }[])[0]?.taken;
    while (!(await take())) await sleep(RETRY_MS);
    try {
      await work();
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await session.release();
  }
}

/** The names of the migrations not yet applied, oldest first. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const table = (await dataSource.query(`SELECT to_regclass('public.migrations') AS name`)) as { name: string | null }[];
  const applied = new Set<string>(table[0]?.name ? ((await dataSource.query('SELECT name FROM migrations')) as { name: string }[]).map((row) => row.name) : []);
  return dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name).filter((name) => !applied.has(name));
}

/**
 * With AUTO_MIGRATE=false nothing migrates at start: a schema that is behind stops the start with one
 * line naming the command that migrates. Checked on a connection of its own before Nest starts, so the
 * refusal is that line and not a framework's stack trace.
 */
export async function refuseSchemaBehind(config: AppConfig, url: string): Promise<void> {
  const dataSource = await new DataSource({ ...typeormOptions(config, url), extra: { ...typeormOptions(config, url).extra, max: 1 } }).initialize();
  let pending: string[];
  try {
    pending = await pendingMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  if (pending.length === 0) return;
  throw new Error(
    `The database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}) and AUTO_MIGRATE=false. ` +
      'Run `npm run agentry -- migrate up` (or `node scripts/agentry.mjs migrate up` in the image) first, or start with AUTO_MIGRATE=true.',
  );
}
