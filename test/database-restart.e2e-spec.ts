import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENTS, deployableTask, freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { CRASH_ENV } from './support/crash';
import { withDatabase } from './support/database';
import { EmbeddedServer } from './support/embedded-process';
import { freePort } from './support/free-port';
import { api } from './support/http';
import { user } from './support/principals';
import { claim, eventually } from './support/runs';
import { MAX_REQUEST_MS, OUTAGE_DB_ENV, WriteLoad } from './support/write-load';

/**
 * Issue #20: the database server restarts mid-load. The test runs an embedded PostgreSQL of its own
 * (on a free port, with a data directory that outlives the restart), also when the suite uses
 * TEST_DATABASE_URL, so it can stop and start the real server process. While writers PATCH agents
 * and report run events and a runtime's claim waits, the server stops (a fast shutdown: every session
 * is ended) and starts again. Every request answers 2xx or 503 with Retry-After, none hangs; every
 * acknowledged write is there afterwards; a claim waiting across the restart resumes and takes the
 * next run; the LISTEN connection and pg-boss reconnect on their own.
 */
/** How often a waiting claim retries without a wake-up (RuntimeService): a wake-up by NOTIFY comes well before. */
const CLAIM_RETRY_MS = 1000;

describe('a database restart under load', () => {
  let dataDir: string;
  let port: number;
  let database: EmbeddedServer | undefined;
  let app: AppProcess | undefined;

  const startDatabase = async () => {
    database = await EmbeddedServer.start(dataDir, port);
    return database.url;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentry-restart-pg-'));
    port = await freePort();
    const url = await startDatabase();
    app = await startApp(suiteEnv({ DATABASE_URL: url, ...OUTAGE_DB_ENV, ...CRASH_ENV }));
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while it is down, keeps every acknowledged write, and its listener and jobs reconnect', async () => {
    const url = database!.url;
    const base = app!.url;
    const owner = user(freshOrg(), 'restart-owner', { admin: true });
    const load = await WriteLoad.prepare(base, owner, 6, MAX_REQUEST_MS * 2);
    const key = await api('POST', '/api/v1/api-keys', { ...owner, baseUrl: base, body: { name: 'waiting runtime', role: 'runtime' } });
    const runtime = { apiKey: key.body.key as string };
    const idle = await api('POST', AGENTS, { ...owner, baseUrl: base, body: deployableTask() });
    expect((await api('POST', `${AGENTS}/${idle.body.id}/deploy`, { ...owner, baseUrl: base })).status).toBe(200);
    const agentIds = [idle.body.id as number];

    load.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // A claim that waits across the restart: it holds no connection while waiting, and resumes once the database is back.
    const waitingSince = Date.now();
    const waiting = claim(runtime, { agentIds, waitSeconds: 25 }, base).then((answer) => ({ answer, ms: Date.now() - waitingSince }));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const downFrom = Date.now();
    await database!.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const restartedAt = Date.now();
    expect(await startDatabase()).toBe(url);
    const upAt = Date.now();
    if (!(await load.recoveredAfter(upAt))) {
      // Seen once in CI and never since: say whether the service was still running, and what it logged.
      const { exitCode, signalCode } = app!.process;
      throw new Error(
        `no write succeeded within 20 s of the restart; the service ${exitCode === null && signalCode === null ? 'was running' : `had exited (${exitCode ?? signalCode})`}. Its last output:\n${app!.output().slice(-8000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    await load.stop();

    load.expectOnlySuccessOr503(MAX_REQUEST_MS);
    const during = load.during(downFrom + 200, restartedAt);
    expect({ requests: during.length > 0, notUnavailable: during.filter((a) => a.status !== 503) }).toEqual({ requests: true, notUnavailable: [] });
    await load.expectAcknowledgedWritesKept();
    // The claim that waited through the outage is still waiting, and takes the first run queued after it.
    const first = await api('POST', `${AGENTS}/${agentIds[0]}/runs`, { ...owner, baseUrl: base, body: {} });
    expect(first.status).toBe(201);
    const waited = await waiting;
    expect({ status: waited.answer.status, run: waited.answer.body?.run?.id }).toEqual({ status: 200, run: first.body.id });
    expect(waited.ms).toBeLessThan(25_000);

    // The LISTEN connection is back: a session of the listener, begun after the restart, listening.
    const listener = await eventually(
      () =>
        withDatabase(async (db) => {
          const { rows } = await db.query(
            `SELECT backend_start FROM pg_stat_activity WHERE application_name = 'agentry-run-queue' AND query ILIKE 'LISTEN%' AND backend_start >= to_timestamp($1 / 1000.0)`,
            [restartedAt],
          );
          return rows[0];
        }, url),
      10_000,
      'the run-queue listener reconnected',
    );
    expect(listener).toBeDefined();
    // And it wakes a waiting claim: a run queued while a claim waits is handed out at once, not at the claim's next retry.
    const claimed = claim(runtime, { agentIds, waitSeconds: 5 }, base).then((answer) => ({ answer, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const queuedAt = Date.now();
    const run = await api('POST', `${AGENTS}/${agentIds[0]}/runs`, { ...owner, baseUrl: base, body: {} });
    expect(run.status).toBe(201);
    const { answer, at } = await claimed;
    expect(answer.status).toBe(200);
    expect(answer.body.run.id).toBe(run.body.id);
    expect(at - queuedAt).toBeLessThan(CLAIM_RETRY_MS - 300);

    // pg-boss reconnected too: periodic jobs complete again after the restart.
    await eventually(
      () =>
        withDatabase(async (db) => {
          const { rows } = await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE state = 'completed' AND completed_on > to_timestamp($1 / 1000.0)`, [upAt]);
          return rows[0].n > 0 ? true : undefined;
        }, url),
      10_000,
      'a background job completed after the restart',
    );
    expect(app!.process.exitCode).toBeNull();
  }, 120_000);
});
