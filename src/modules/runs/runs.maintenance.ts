import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { SYSTEM_ACTOR } from '../../infrastructure/database/change';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { inBatches } from '../../infrastructure/jobs/in-batches';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { Metrics } from '../../infrastructure/metrics/metrics';
import { runEventChange } from './domain/run-events';
import { RunsRepository } from './runs.repository';

/** SPEC §8: a run is claimed at most three times before it fails with `lease_expired`. */
export const MAX_CLAIMS = 3;
const PURGE_BATCH = 1000;

/**
 * The runs' periodic work on pg-boss, once per tick across all instances: lapsed claims back to the
 * queue, silent running runs timed out, old finished runs removed. Every sweep is one idempotent
 * statement on rows it locks, so a tick that runs twice changes nothing more.
 */
@Injectable()
export class RunsMaintenance implements OnModuleInit {
  private readonly logger = new Logger(RunsMaintenance.name);

  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly config: AppConfig,
    private readonly runs: RunsRepository,
    private readonly jobs: Jobs,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const every = this.config.JOBS_SWEEP_INTERVAL_MS;
    this.jobs.every('runs-expire-leases', every, () => this.expireLeases());
    this.jobs.every('runs-time-out', every, () => this.timeOutSilentRuns());
    this.jobs.every('runs-purge', every, () => this.purgeFinished());
  }

  async expireLeases(): Promise<void> {
    const failed = await this.tx.run(SYSTEM_ACTOR, async (work) => {
      const { failures, requeued } = await this.runs.expireLeases(work.db, MAX_CLAIMS);
      // Retries whose backoff passed are claimable again: the run.retrying event already said when.
      const retried = await this.runs.releaseDueRetries(work.db);
      for (const orgId of new Set([...requeued.map((event) => event.orgId), ...retried])) await this.runs.wakeClaimants(work.db, orgId);
      work.record([...failures, ...requeued].map((event) => runEventChange(event)));
      return failures.length;
    });
    this.metrics.runsFinishedByTimeout('failed', failed);
  }

  /** The `error` events written here notify like the runtime's own, in the same transaction. */
  async timeOutSilentRuns(): Promise<void> {
    const events = await this.tx.run(SYSTEM_ACTOR, async (work) => {
      const written = await this.runs.timeOutSilentRuns(work.db);
      work.record(written.map((event) => runEventChange(event, 'run.timed_out')));
      return written;
    });
    if (events.length > 0) this.logger.log(`${events.length} running run(s) timed out`);
    this.metrics.runsFinishedByTimeout('failed', events.length);
  }

  /** Retention removes history rather than changing state: nothing is recorded (docs/decisions.md, "Code shape"). */
  async purgeFinished(): Promise<void> {
    const removed = await inBatches(PURGE_BATCH, (batch) => this.runs.purgeFinished(this.db.manager, this.config.RUN_RETENTION_DAYS, batch));
    if (removed > 0) this.logger.log(`${removed} finished run(s) past retention removed`);
  }
}
