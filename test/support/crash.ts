import { Client } from 'pg';
import { AppProcess, startApp, suiteEnv } from './app-process';
import { ownDatabase, withDatabase } from './database';
import { eventually } from './runs';

/**
 * Background-work settings for crash tests: sweeps every 200 ms, and pg-boss's supervisor (which
 * fails the jobs of a dead instance) every second, so the survivor takes over within seconds.
 */
export const CRASH_ENV = { JOBS_SWEEP_INTERVAL_MS: '200', JOBS_SUPERVISE_INTERVAL_SECONDS: '1' };

/** `url` with the `application_name` its sessions show in pg_stat_activity, so a test can tell the instances' sessions apart. */
export function labelled(url: string, name: string): string {
  const labelledUrl = new URL(url);
  labelledUrl.searchParams.set('application_name', name);
  return labelledUrl.toString();
}

/** Two service instances, `a` and `b`, on a database of their own, each labelled in pg_stat_activity. */
export interface Pair {
  url: string;
  apps: Record<'a' | 'b', AppProcess>;
  /** Stops whatever still runs and drops the database; for afterAll. */
  close(): Promise<void>;
}

export async function startPair(prefix: string, env: (label: 'a' | 'b') => Record<string, string | undefined> = () => ({})): Promise<Pair> {
  const database = await ownDatabase(prefix);
  const labels = ['a', 'b'] as const;
  // Together, as a deployment starts them (pg-boss and the migrations take their own locks).
  const results = await Promise.allSettled(labels.map((label) => startApp(suiteEnv({ DATABASE_URL: labelled(database.url, `crash-${label}`), ...CRASH_ENV, ...env(label) }))));
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const close = async () => {
    await Promise.all(started.map((app) => app.stop()));
    await database.drop();
  };
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await close();
    throw failure.reason;
  }
  return { url: database.url, apps: { a: started[0]!, b: started[1]! }, close };
}

/**
 * Holds `LOCK TABLE table IN mode` in an open transaction, so every statement of the instances that
 * conflicts with it waits: a sweep or claim that reached it is caught in the middle, holding what it
 * locked before (SHARE: writes wait, reads go on).
 */
export async function lockTable(url: string, table: string, mode = 'SHARE'): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  return {
    release: async () => {
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}

/** The instance label (`a`, `b`) with at least `sessions` sessions waiting on a lock to run a statement like `statement`. */
export function waitingWriter(url: string, statement: string, sessions = 1, timeoutMs = 15_000): Promise<'a' | 'b'> {
  return eventually(
    () =>
      withDatabase(async (db) => {
        const { rows } = await db.query(
          `SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'crash-%' AND query ILIKE $1
           GROUP BY application_name HAVING count(*) >= $2`,
          [`%${statement}%`, sessions],
        );
        return rows[0] ? (rows[0].application_name.slice('crash-'.length) as 'a' | 'b') : undefined;
      }, url),
    timeoutMs,
    `${sessions} session(s) of an instance waiting to run ${statement}`,
  );
}

/**
 * pg-boss fails the job of an instance that died mid-handler once its heartbeat is `heartbeatSeconds`
 * old (pg-boss's floor is 10 s). Moves that heartbeat into the past, as time passing would: the test
 * then waits for the survivor's supervisor, not for the clock. `queue` is stately, so its one active
 * job is the dead instance's.
 */
export async function ageActiveJob(url: string, queue: string): Promise<number> {
  return withDatabase(async (db) => {
    const { rowCount } = await db.query(
      `UPDATE pgboss.job SET heartbeat_on = heartbeat_on - interval '1 hour', started_on = started_on - interval '1 hour' WHERE name = $1 AND state = 'active'`,
      [queue],
    );
    return rowCount ?? 0;
  }, url);
}

/**
 * Like ageActiveJob, for every periodic (stately) job still active that began before `before` (the
 * kill): a dead instance may have been in the middle of any sweep when it died. Call it once the
 * survivor's own ticks of that moment are done (they take milliseconds once nothing blocks them).
 */
export async function ageJobsStartedBefore(url: string, before: Date): Promise<number> {
  return withDatabase(async (db) => {
    const { rowCount } = await db.query(
      `UPDATE pgboss.job SET heartbeat_on = heartbeat_on - interval '1 hour', started_on = started_on - interval '1 hour'
       WHERE state = 'active' AND policy = 'stately' AND started_on < $1`,
      [before],
    );
    return rowCount ?? 0;
  }, url);
}

/** The database's clock now, to compare with pg-boss's timestamps. */
export const databaseNow = (url: string): Promise<Date> => withDatabase(async (db) => (await db.query('SELECT now() AS now')).rows[0].now as Date, url);
