import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config';
import { inBatches } from '../../infrastructure/jobs/in-batches';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { WebhooksRepository } from './webhooks.repository';

const PURGE_BATCH = 1000;

/**
 * Retention of the delivery log: finished deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS go,
 * on pg-boss, once per tick across instances. Each holds its event's body, one per event and
 * endpoint, so without it the table grows with every event for as long as the service runs.
 */
@Injectable()
export class WebhooksMaintenance implements OnModuleInit {
  private readonly logger = new Logger(WebhooksMaintenance.name);

  constructor(
    private readonly config: AppConfig,
    private readonly webhooks: WebhooksRepository,
    private readonly jobs: Jobs,
  ) {}

  onModuleInit(): void {
    this.jobs.every('webhook-deliveries-purge', this.config.JOBS_SWEEP_INTERVAL_MS, () => this.purgeExpired());
  }

  async purgeExpired(): Promise<void> {
    const removed = await inBatches(PURGE_BATCH, (batch) => this.webhooks.purgeFinishedOlderThan(this.config.WEBHOOK_DELIVERY_RETENTION_DAYS, batch));
    if (removed > 0) this.logger.log(`${removed} webhook deliveries past retention removed`);
  }
}
