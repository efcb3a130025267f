import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorsModule } from './common/errors/errors.module';
import { ProblemFilter } from './common/errors/problem.filter';
import { AppConfigModule } from './infrastructure/config/config.module';
import { DatabaseModule } from './infrastructure/database/database.module';
import { HealthModule } from './infrastructure/health/health.module';
import { IdempotencyModule } from './infrastructure/idempotency/idempotency.module';
import { JobsModule } from './infrastructure/jobs/jobs.module';
import { LoggingModule } from './infrastructure/logging/logging.module';
import { MetricsModule } from './infrastructure/metrics/metrics.module';
import { OwnershipTransfersModule } from './modules/ownership-transfers/ownership-transfers.module';
import { AgentsModule } from './modules/agents/agents.module';
import { AuthModule } from './modules/auth/auth.module';
import { CompatModule } from './modules/compat/compat.module';
import { EventsModule } from './modules/events/events.module';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { RunsModule } from './modules/runs/runs.module';
import { SchedulesModule } from './modules/schedules/schedules.module';
import { VariationsModule } from './modules/variations/variations.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';

@Module({
  imports: [ErrorsModule, AppConfigModule, LoggingModule, DatabaseModule, JobsModule, HealthModule, MetricsModule, IdempotencyModule, AuthModule, AgentsModule, VariationsModule, OwnershipTransfersModule, RunsModule, NotificationsModule, SchedulesModule, CompatModule, EventsModule, WebhooksModule],
  providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
})
export class AppModule {}
