import { createHash } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PgBoss, type SendOptions, type WorkOptions } from 'pg-boss';
import { EntityManager } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { AppConfig } from '../config/app-config';
import { Metrics, PoolCounts } from '../metrics/metrics';
import { tracing } from '../tracing/trace-hooks';

/** What a caller may set on a job it sends; the rest of pg-boss's options stay this module's business. */
export type JobSendOptions = Pick<
  SendOptions,
  'startAfter' | 'singletonKey' | 'group' | 'retryLimit' | 'retryDelay' | 'retryBackoff' | 'expireInSeconds' | 'heartbeatSeconds' | 'deleteAfterSeconds'
> & {
  /** Sends inside this transaction: the job exists exactly when the transaction commits. */
  db?: EntityManager;
};

/** How a queue's jobs are worked on each instance. */
export type JobWorkOptions = Pick<WorkOptions, 'localConcurrency' | 'groupConcurrency' | 'pollingIntervalSeconds'>;

interface Worker {
  name: string;
  options: JobWorkOptions;
  handler: (data: object) => Promise<void>;
}

interface PeriodicJob {
  name: string;
  intervalMs: number;
  handler: () => Promise<void>;
}

// Periodic ticks fire this long after their slot starts, so a timer that fires a little early still lands in its slot.
const SLOT_START_DELAY_MS = 5;
// pg-boss waits for running handlers this long on stop, then fails their jobs and closes anyway.
const STOP_TIMEOUT_MS = 10_000;
// pg-boss refuses to poll a queue more often than every half second.
const MIN_POLL_SECONDS = 0.5;
// Small: pg-boss only fetches, settles and maintains; the handlers' own work goes through TypeORM's pool.
const POOL_SIZE = 3;

/**
 * Every tick's job. No retries: the next tick is the retry. A heartbeat (pg-boss refreshes it while
 * the handler runs; 10 s is pg-boss's floor) lets any instance's supervisor fail the job of an instance
 * that died mid-handler at its first pass after that (JOBS_SUPERVISE_INTERVAL_SECONDS) rather than
 * after the 15-minute expiry, during which the stately queue would run nothing else. Finished ticks are
 * deleted after an hour, long after any instance could send the same slot again.
 */
const TICK_OPTIONS = { retryLimit: 0, heartbeatSeconds: 10, deleteAfterSeconds: 3600 } satisfies SendOptions;

/**
 * Background work on pg-boss: one PgBoss per service instance, on the service's own PostgreSQL
 * (schema `pgboss`, which pg-boss creates or migrates on start under an advisory lock, so instances
 * starting together on a fresh database are safe).
 *
 * Periodic work (`every`) runs once per interval across the whole cluster, however many instances
 * share the database. Time is cut into slots of the interval; every instance, on its own timer, sends
 * the current slot's job under an id derived from (queue, interval, slot). The job table's primary key
 * (name, id) and `INSERT ... ON CONFLICT DO NOTHING` let exactly one of those sends create the job;
 * the others get null. The queue is `stately` (at most one job queued and one running), so a slow
 * handler never runs twice at once and never builds a backlog. The instance whose send created the
 * job wakes its own worker at once, so sub-second intervals work despite pg-boss's half-second polling
 * floor; polling stays as the backstop. pg-boss's `schedule()` is not used: it works by the minute and
 * drops ticks missed while no instance ran. Handlers must still be idempotent.
 */
@Injectable()
export class Jobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Jobs.name);
  private readonly periodic: PeriodicJob[] = [];
  private readonly workers: Worker[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopping = false;
  private readonly sending = new Set<Promise<void>>();
  private started = false;
  private boss: PgBoss | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** Registers periodic work; call it from a provider's onModuleInit, before the service starts. */
  every(name: string, intervalMs: number, handler: () => Promise<void>): void {
    if (this.started) throw new Error(`periodic job ${name} registered after background jobs started`);
    if (this.periodic.some((job) => job.name === name)) throw new Error(`periodic job ${name} registered twice`);
    this.periodic.push({ name, intervalMs, handler });
  }

  /**
   * Registers the worker of queue `name` (created on start); call it from onModuleInit. A handler
   * that throws fails the job, which pg-boss then retries as the job's own options say.
   */
  work<T extends object>(name: string, options: JobWorkOptions, handler: (data: T) => Promise<void>): void {
    if (this.started) throw new Error(`worker ${name} registered after background jobs started`);
    this.workers.push({ name, options, handler: handler as (data: object) => Promise<void> });
  }

  /** Queues a job on `name`, a queue that must exist (created by whoever works it). Null when the queue's policy refused a duplicate. */
  async send(name: string, data: object | null, { db, ...options }: JobSendOptions = {}): Promise<string | null> {
    if (!this.boss) throw new Error(`cannot send a ${name} job: background jobs are not running`);
    return this.boss.send(name, data, db ? { ...options, db: { executeSql: async (text, values) => ({ rows: await queryRows(db, text, values) }) } } : options);
  }

  /** After module init, where TypeORM connected and ran the migrations. */
  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    const boss = new PgBoss({
      connectionString: this.config.DATABASE_URL,
      max: POOL_SIZE,
      connectionTimeoutMillis: this.config.DB_CONNECT_TIMEOUT_MS,
      // Cron schedules are not used (see above); without them pg-boss runs no timekeeper polling.
      schedule: false,
      // The supervisor's pass is what fails a dead instance's jobs; pg-boss's default (a minute) would
      // hold a crashed sweep's stately queue long enough for an every-minute schedule to miss a tick.
      superviseIntervalSeconds: this.config.JOBS_SUPERVISE_INTERVAL_SECONDS,
      monitorIntervalSeconds: this.config.JOBS_SUPERVISE_INTERVAL_SECONDS,
    });
    // An `error` event nobody listens to would end the process; pg-boss reports here what it recovers from.
    boss.on('error', (error) => this.logger.error({ err: error }, 'pg-boss reported an error'));
    boss.on('warning', (warning) => this.logger.warn({ pgBoss: warning.data }, `pg-boss: ${warning.message}`));
    await boss.start();
    this.boss = boss;
    // pg-boss's own Db keeps its pool's counts (undocumented, hence the guard); null once it stopped.
    const db = boss.getDb() as unknown as { poolCounts?: () => PoolCounts | null };
    this.metrics.addPool('jobs', () => (this.boss ? (db.poolCounts?.() ?? null) : null));
    for (const worker of this.workers) {
      await boss.createQueue(worker.name);
      await boss.work<object>(worker.name, { ...worker.options, batchSize: 1 }, async ([job]) => {
        if (job) await tracing.inJob(worker.name, () => worker.handler(job.data));
      });
    }
    for (const job of this.periodic) {
      await boss.createQueue(job.name, { policy: 'stately' });
      const pollingIntervalSeconds = Math.max(MIN_POLL_SECONDS, job.intervalMs / 1000);
      const workerId = await boss.work(job.name, { pollingIntervalSeconds }, () => this.runHandler(job));
      const tick = () => this.track(this.sendTick(boss, job, workerId));
      this.armAtSlotStart(job, tick);
      tick();
    }
  }

  /**
   * Nest calls this before onApplicationShutdown, where TypeORM closes its pool: so running handlers
   * finish on an open pool, then pg-boss closes its own. No new ticks first, and no send left in flight.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.sending);
    const boss = this.boss;
    this.boss = undefined;
    await boss?.stop({ graceful: true, timeout: STOP_TIMEOUT_MS }).catch((error: unknown) => this.logger.warn({ err: error }, 'pg-boss did not stop cleanly'));
  }

  /**
   * Calls `tick` at the start of every slot (a few milliseconds in), on every instance alike, rather
   * than at whatever phase the instance started in: work that falls due on a boundary (a schedule's
   * tick on the minute) is then picked up as it falls due, not up to an interval later.
   */
  private armAtSlotStart(job: PeriodicJob, tick: () => void): void {
    if (this.stopping) return;
    const wait = job.intervalMs - (Date.now() % job.intervalMs) + SLOT_START_DELAY_MS;
    this.timers.set(
      job.name,
      setTimeout(() => {
        tick();
        this.armAtSlotStart(job, tick);
      }, wait),
    );
  }

  private async sendTick(boss: PgBoss, job: PeriodicJob, workerId: string): Promise<void> {
    const slot = Math.floor(Date.now() / job.intervalMs);
    try {
      const created = await boss.send(job.name, null, { ...TICK_OPTIONS, id: tickId(job, slot) });
      if (created) boss.notifyWorker(workerId);
    } catch (error) {
      this.logger.warn({ err: error }, `periodic job ${job.name}: could not queue a tick`);
    }
  }

  private track(sending: Promise<void>): void {
    this.sending.add(sending);
    void sending.finally(() => this.sending.delete(sending));
  }

  /** A failing handler is logged and its job completes: the next tick tries again, and the worker keeps going. */
  private async runHandler(job: PeriodicJob): Promise<void> {
    try {
      await tracing.inJob(job.name, job.handler);
    } catch (error) {
      this.logger.error({ err: error }, `periodic job ${job.name} failed`);
    }
  }
}

/** The same UUID on every instance for one queue's slot; the interval is in it so differently configured instances do not share slots. */
function tickId(job: PeriodicJob, slot: number): string {
  const hex = createHash('sha256').update(`${job.name}/${job.intervalMs}/${slot}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
