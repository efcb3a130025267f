import { Gauge, Registry } from 'prom-client';
import { EntityManager } from 'typeorm';
import { queryRows } from '../database/query-rows';

/** A scrape within this long of the last read reuses it: any number of scrapers cost one query per instance this often. */
export const DATABASE_GAUGES_TTL_MS = 5000;

/** The statuses a run can still leave; the final ones are counted as they happen (agentry_runs_finished_total). */
const LIVE_STATUSES = ['queued', 'running', 'awaiting_approval'] as const;

interface Snapshot {
  runs: Record<string, number>;
  queueDepth: number;
  oldestQueuedSeconds: number;
  jobs: { name: string; queued: number; active: number; deferred: number }[];
}

/**
 * The one statement a scrape runs. The run counts read only runs_live_idx, a partial index of the runs
 * that can still change (queued, running, awaiting approval): its size follows the work in flight, not
 * the history, so a scrape costs the same with a hundred or a million finished runs, and the index
 * holds every column read (an index-only scan). pg-boss keeps its queues' sizes on its `queue` rows
 * (its monitor refreshes them every JOBS_SUPERVISE_INTERVAL_SECONDS), so they are one small table's rows.
 * The metrics read the schema directly, as the event append does: it is the database's state that is
 * measured, whoever owns the tables. Exported for the test that reads its plan.
 */
export const DATABASE_GAUGES_SQL = `SELECT
   (SELECT coalesce(json_object_agg(status, n), '{}') FROM (
      SELECT status, count(*) AS n FROM runs WHERE status IN ('queued', 'running', 'awaiting_approval') GROUP BY status) s) AS runs,
   (SELECT count(*)::int FROM runs WHERE status = 'queued' AND lease_expires_at IS NULL) AS "queueDepth",
   (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM runs
      WHERE status = 'queued' AND lease_expires_at IS NULL) AS "oldestQueuedSeconds",
   (SELECT coalesce(json_agg(json_build_object('name', name, 'queued', queued_count, 'active', active_count, 'deferred', deferred_count) ORDER BY name), '[]')
      FROM pgboss.queue) AS jobs`;

/**
 * The gauges whose truth is the shared database: the same on every instance (aggregate them across
 * instances with max, not sum). Read at scrape time, at most once per DATABASE_GAUGES_TTL_MS; a scrape
 * while the database is away still answers, with `agentry_metrics_database_up` 0 and these series absent.
 */
export class DatabaseGauges {
  private cached: { at: number; snapshot: Promise<Snapshot | null> } | undefined;
  private readonly up: Gauge;
  private readonly runs: Gauge<'status'>;
  private readonly queueDepth: Gauge;
  private readonly oldestQueued: Gauge;
  private readonly jobs: Gauge<'queue' | 'state'>;

  constructor(
    private readonly registry: Registry,
    private readonly read: () => Promise<Snapshot>,
    private readonly now: () => number = Date.now,
  ) {
    const registers = [registry];
    this.up = new Gauge({ name: 'agentry_metrics_database_up', help: '1 when the last read of the database gauges succeeded, else 0 (and those series are absent).', registers });
    this.runs = new Gauge({ name: 'agentry_runs', help: 'Runs by live status, across all instances (from the database).', labelNames: ['status'], registers });
    this.queueDepth = new Gauge({ name: 'agentry_run_queue_depth', help: 'Queued runs waiting for a claim, across all instances (from the database).', registers });
    this.oldestQueued = new Gauge({
      name: 'agentry_run_queue_oldest_age_seconds',
      help: 'Age (since creation) of the oldest queued run waiting for a claim; 0 when none waits (from the database).',
      registers,
    });
    this.jobs = new Gauge({ name: 'agentry_job_queue_jobs', help: 'pg-boss jobs by queue and state (queued, active, deferred), as pg-boss last counted them.', labelNames: ['queue', 'state'], registers });
  }

  /** Brings the gauges up to date for a scrape: the cached read if fresh, else one query (shared by concurrent scrapes). */
  async refresh(): Promise<void> {
    const now = this.now();
    if (!this.cached || now - this.cached.at >= DATABASE_GAUGES_TTL_MS) {
      this.cached = { at: now, snapshot: this.read().catch(() => null) };
    }
    const snapshot = await this.cached.snapshot;
    const fromDatabase = [this.runs, this.queueDepth, this.oldestQueued, this.jobs];
    this.up.set(snapshot ? 1 : 0);
    // Unregistered while unknown: a label-less gauge cannot be empty, and 0 would read as an empty queue.
    for (const gauge of fromDatabase) {
      const name = (gauge as unknown as { name: string }).name;
      if (!snapshot) this.registry.removeSingleMetric(name);
      else if (!this.registry.getSingleMetric(name)) this.registry.registerMetric(gauge);
      gauge.reset();
    }
    if (!snapshot) return;
    for (const status of LIVE_STATUSES) this.runs.set({ status }, snapshot.runs[status] ?? 0);
    this.queueDepth.set(snapshot.queueDepth);
    this.oldestQueued.set(snapshot.oldestQueuedSeconds);
    for (const queue of snapshot.jobs) {
      this.jobs.set({ queue: queue.name, state: 'queued' }, queue.queued);
      this.jobs.set({ queue: queue.name, state: 'active' }, queue.active);
      this.jobs.set({ queue: queue.name, state: 'deferred' }, queue.deferred);
    }
  }
}

export async function readDatabaseGauges(db: EntityManager): Promise<Snapshot> {
  const [row] = await queryRows<Snapshot>(db, DATABASE_GAUGES_SQL);
  return row;
}
