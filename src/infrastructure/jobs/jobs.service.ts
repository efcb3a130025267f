import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PgBoss } from 'pg-boss';
import { AppConfig } from '../config/app-config';

interface PeriodicJob {
  name: string;
  intervalMs: number;
  handler: () => Promise<void>;
}

const STOP_TIMEOUT_MS = 10_000;
// pg-boss polls a queue no more often than every half second.
const MIN_POLL_SECONDS = 0.5;

/**
 * Background work on pg-boss: one PgBoss per service instance, on the service's own PostgreSQL.
 *
 * Periodic work (`every`) runs about once per interval across the whole cluster: each instance sends a
 * tick on its own timer into a `stately` queue, which holds at most one queued and one active job, so
 * the ticks of all instances collapse into one job that exactly one worker takes. pg-boss's own
 * `schedule()` is not used: it works by the minute and drops ticks missed while no instance ran.
 * Handlers must still be idempotent (a crashed worker's job is retried).
 */
@Injectable()
export class Jobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Jobs.name);
  private readonly periodic: PeriodicJob[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private boss: PgBoss | undefined;

  constructor(private readonly config: AppConfig) {}

  /** Registers periodic work; call it while modules initialise, before the service starts. */
  every(name: string, intervalMs: number, handler: () => Promise<void>): void {
    if (this.boss) throw new Error(`periodic job ${name} registered after the job runner started`);
    this.periodic.push({ name, intervalMs, handler });
  }

  /** After migrations ran (TypeORM connects during module init): start pg-boss, its workers and the tick timers. */
  async onApplicationBootstrap(): Promise<void> {
    const boss = new PgBoss({ connectionString: this.config.DATABASE_URL, max: 3, application_name: 'agentry-jobs' });
    // Unhandled, an `error` event would end the process; pg-boss recovers from what it reports here.
    boss.on('error', (error) => this.logger.error({ err: error }, 'background jobs: pg-boss reported an error'));
    await boss.start();
    this.boss = boss;
    for (const job of this.periodic) {
      await boss.createQueue(job.name, { policy: 'stately', retryLimit: 0 });
      await boss.work(job.name, { pollingIntervalSeconds: Math.max(MIN_POLL_SECONDS, job.intervalMs / 1000) }, () => this.runHandler(job));
      this.timers.push(setInterval(() => this.tick(job), job.intervalMs));
      this.tick(job);
    }
  }

  /** Before TypeORM closes its pool (onApplicationShutdown): no new ticks, running handlers finish, then pg-boss closes. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const boss = this.boss;
    this.boss = undefined;
    await boss?.stop({ graceful: true, timeout: STOP_TIMEOUT_MS }).catch((error: unknown) => this.logger.warn({ err: error }, 'background jobs did not stop cleanly'));
  }

  private tick(job: PeriodicJob): void {
    // null: the stately queue already holds this tick's job; another instance (or an earlier tick) sent it.
    this.boss?.send(job.name, null).catch((error: unknown) => this.logger.warn({ err: error }, `background job ${job.name}: could not queue a tick`));
  }

  /** A failing handler is logged; the next tick tries again, so the worker must not stop. */
  private async runHandler(job: PeriodicJob): Promise<void> {
    try {
      await job.handler();
    } catch (error) {
      this.logger.error({ err: error }, `background job ${job.name} failed`);
    }
  }
}
