import { Global, Module, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { MetricsScrape } from './metrics-scrape';

/**
 * SPEC §16's metrics (global): `Metrics`, which any module calls to record what it does, and
 * `GET /metrics`. This module imports nothing from modules/: they call into it.
 */
@Global()
@Module({ providers: [Metrics, MetricsScrape], controllers: [MetricsController], exports: [Metrics] })
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly db: DataSource,
  ) {}

  onModuleInit(): void {
    const pool = (this.db.driver as { master?: Pool }).master;
    this.metrics.addPool('app', () => (pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null));
  }
}
