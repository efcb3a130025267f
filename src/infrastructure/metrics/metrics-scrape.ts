import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseGauges, readDatabaseGauges } from './database-gauges';
import { Metrics } from './metrics';

/** One scrape: the database gauges brought up to date (cached), then the whole registry as text. */
@Injectable()
export class MetricsScrape {
  private readonly databaseGauges: DatabaseGauges;

  constructor(
    private readonly metrics: Metrics,
    db: DataSource,
  ) {
    this.databaseGauges = new DatabaseGauges(metrics.registry, () => readDatabaseGauges(db.manager));
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await this.databaseGauges.refresh();
    return { contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
  }
}
