import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { inBatches } from '../jobs/in-batches';
import { Jobs } from '../jobs/jobs.service';
import { IdempotencyStore } from './idempotency.store';

const PURGE_BATCH = 1000;

/** Keys past their 24 h go, in batches (each its own short statement), once per sweep tick across instances. */
@Injectable()
export class IdempotencyMaintenance implements OnModuleInit {
  private readonly logger = new Logger(IdempotencyMaintenance.name);

  constructor(
    private readonly config: AppConfig,
    private readonly store: IdempotencyStore,
    private readonly jobs: Jobs,
  ) {}

  onModuleInit(): void {
    this.jobs.every('idempotency-keys-purge', this.config.JOBS_SWEEP_INTERVAL_MS, () => this.purgeExpired());
  }

  async purgeExpired(): Promise<void> {
    const removed = await inBatches(PURGE_BATCH, (batch) => this.store.purgeExpired(batch));
    if (removed > 0) this.logger.log(`${removed} idempotency key(s) past 24 h removed`);
  }
}
