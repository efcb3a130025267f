import { Client } from 'pg';
import { MIGRATIONS } from '../src/infrastructure/database/migrations';
import { AppProcess, startApp } from './support/app-process';
import { ownDatabase, withDatabase } from './support/database';
import { eventually } from './support/runs';

const INTERVAL_MS = 500;
const ERROR_LOG = /"level":(50|60)/;

const appEnv = (databaseUrl: string) => ({
  DATABASE_URL: databaseUrl,
  AUTH_JWT_SECRET: process.env.E2E_JWT_SECRET,
  JOBS_SWEEP_INTERVAL_MS: String(INTERVAL_MS),
  LOG_LEVEL: 'info',
});

const hasPgBossSchema = (url?: string) =>
  withDatabase(async (db) => (await db.query(`SELECT to_regclass('pgboss.version') IS NOT NULL AS installed`)).rows[0].installed as boolean, url);

/** Starts every service at once and stops those that did start if any did not, so none outlives a failure. */
async function startTogether(envs: Record<string, string | undefined>[]): Promise<AppProcess[]> {
  const results = await Promise.allSettled(envs.map((env) => startApp(env)));
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((app) => app.stop()));
    throw failure.reason;
  }
  return started;
}

/** Whether the instance became ready, or exited first (then with its output); within 60 s. */
async function readyOrExited(app: AppProcess): Promise<{ ready: boolean; output?: string }> {
  let exited = false;
  void app.exited.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited) {
    const ok = await fetch(`${app.url}/health/ready`).then((response) => response.ok, () => false);
    if (ok) return { ready: true };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ready: false, output: app.output().slice(-2000) };
}

interface Stopped {
  code: number | null;
  ms: number;
}

/** SIGTERM, then how it ended and how long that took. */
async function stopTimed(app: AppProcess): Promise<Stopped> {
  const began = Date.now();
  const code = await app.stop();
  return { code, ms: Date.now() - began };
}

describe('background jobs on pg-boss', () => {
  it('run in the suite service: its schema is installed and periodic work completes', async () => {
    expect(await hasPgBossSchema()).toBe(true);
    await eventually(
      () =>
        withDatabase(async (db) => {
          const { rows } = await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE state = 'completed' AND completed_on > now() - interval '5 seconds'`);
          return rows[0].n > 0 ? rows[0].n : undefined;
        }),
      5_000,
      'a completed periodic job',
    );
  });

  it('two instances starting together on a fresh database both migrate it: one at a time, none fails', async () => {
    const fresh = await ownDatabase('agentry_migrate_test');
    const apps: AppProcess[] = [];
    const lock = new Client({ connectionString: fresh.url });
    try {
      // TypeORM's own migrations table, locked: each instance's migration run stops where it reads
      // which migrations ran, so both are let go at once (the way a fleet restarts) and would then
      // create the same tables at the same time.
      await lock.connect();
      await lock.query(`CREATE TABLE migrations (id SERIAL PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)`);
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE migrations IN ACCESS EXCLUSIVE MODE');
      for (const env of [appEnv(fresh.url), appEnv(fresh.url)]) apps.push(await startApp(env, { waitForReady: false }));
      await eventually(
        () =>
          withDatabase(async (db) => {
            const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%migrations%'`);
            return rows[0].n > 0 ? true : undefined;
          }, fresh.url),
        20_000,
        'an instance waiting to read the migrations',
      );
      // The other instance is a moment behind; without a lock of its own it then waits here too.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await lock.query('COMMIT');
      const ready = await Promise.all(apps.map((app) => readyOrExited(app)));
      expect(ready.map((r) => r.ready)).toEqual([true, true]);
      expect(await withDatabase(async (db) => (await db.query('SELECT count(*)::int AS n FROM migrations')).rows[0].n, fresh.url)).toBe(MIGRATIONS.length);
    } finally {
      await lock.end().catch(() => undefined);
      await Promise.all(apps.map((app) => app.stop()));
      await fresh.drop();
    }
  }, 90_000);

  describe('on a database of their own', () => {
    let database: { url: string; drop: () => Promise<void> };
    let freshUrl: string;

    beforeAll(async () => {
      database = await ownDatabase('agentry_jobs_test');
      freshUrl = database.url;
    });
    afterAll(() => database?.drop());

    it('installs the schema where there is none, and on SIGTERM stops within seconds, exit 0, no errors logged', async () => {
      expect(await hasPgBossSchema(freshUrl)).toBe(false);
      const app = await startApp(appEnv(freshUrl));
      let stopped: Stopped | undefined;
      try {
        expect(await hasPgBossSchema(freshUrl)).toBe(true);
        // pg-boss's own queues (`__pgboss__...`) aside: the service's periodic queues.
        const queues = await withDatabase(async (db) => (await db.query(`SELECT name, policy FROM pgboss.queue WHERE name NOT LIKE '\\_\\_pgboss%'`)).rows, freshUrl);
        expect(queues.length).toBeGreaterThan(0);
        // Periodic ticks are stately (never twice at once); notification deliveries are ordinary jobs.
        expect(queues.filter((queue) => queue.name !== 'notification-delivery').every((queue) => queue.policy === 'stately')).toBe(true);
        expect(queues).toContainEqual({ name: 'notification-delivery', policy: 'standard' });
      } finally {
        stopped = await stopTimed(app);
      }
      expect(stopped.code).toBe(0);
      expect(stopped.ms).toBeLessThan(5_000);
      expect(app.output()).not.toMatch(ERROR_LOG);
    }, 60_000);

    it('two instances starting together on it (schema dropped again) both become ready; with a third, each tick runs once among them', async () => {
      await withDatabase((db) => db.query('DROP SCHEMA pgboss CASCADE'), freshUrl);
      const apps = await startTogether([appEnv(freshUrl), appEnv(freshUrl)]);
      let stopped: Stopped[] = [];
      try {
        // Started later; its timers fire at the start of each slot like theirs, so all three send every slot's tick.
        apps.push(await startApp(appEnv(freshUrl)));
        const window = await withDatabase(async (db) => {
          const from = (await db.query('SELECT clock_timestamp() AS t')).rows[0].t as Date;
          await new Promise((resolve) => setTimeout(resolve, 6 * INTERVAL_MS));
          const to = (await db.query('SELECT clock_timestamp() AS t')).rows[0].t as Date;
          const { rows } = await db.query(
            `SELECT name, count(*)::int AS jobs, count(*) FILTER (WHERE state = 'failed')::int AS failed
               FROM pgboss.job WHERE created_on >= $1 AND created_on < $2 GROUP BY name`,
            [from, to],
          );
          // Slots the window overlaps: each may hold one job, however many instances send it.
          return { slots: Math.ceil((to.getTime() - from.getTime()) / INTERVAL_MS) + 1, perQueue: rows };
        }, freshUrl);
        expect(window.perQueue.length).toBeGreaterThan(0);
        for (const queue of window.perQueue) {
          // Every instance sends every slot's tick: no more jobs than slots means one send won each time.
          expect(queue.jobs).toBeLessThanOrEqual(window.slots);
          // And ticks did run (a slot is skipped only while the previous tick still waits).
          expect(queue.jobs).toBeGreaterThanOrEqual(3);
          expect(queue.failed).toBe(0);
        }
      } finally {
        stopped = await Promise.all(apps.map(stopTimed));
      }
      for (const { code, ms } of stopped) {
        expect(code).toBe(0);
        expect(ms).toBeLessThan(5_000);
      }
      for (const app of apps) expect(app.output()).not.toMatch(ERROR_LOG);
    }, 90_000);
  });
});
