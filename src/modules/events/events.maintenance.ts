import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { inBatches } from '../../infrastructure/jobs/in-batches';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { EventsRepository } from './events.repository';

const PURGE_BATCH = 1000;

/** Retention (SPEC §13): events older than EVENT_RETENTION_DAYS go, on pg-boss, once per tick across instances. */
@Injectable()
export class EventsMaintenance implements OnModuleInit {
  private readonly logger = new Logger(EventsMaintenance.name);

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly events: EventsRepository,
    private readonly jobs: Jobs,
  ) {}

  onModuleInit(): void {
    this.jobs.every('events-purge', this.config.JOBS_SWEEP_INTERVAL_MS, () => this.purgeExpired());
  }

  async purgeExpired(): Promise<void> {
    const removed = await inBatches(PURGE_BATCH, (batch) => this.events.purgeOlderThan(this.db.manager, this.config.EVENT_RETENTION_DAYS, batch));
    if (removed > 0) this.logger.log(`${removed} event(s) past retention removed`);
  }
}
