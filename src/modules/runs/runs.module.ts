import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuthModule } from '../auth/auth.module';
import { VariationStoreModule } from '../variation-store/variation-store.module';
import { AdmissionController } from './admission/admission.controller';
import { AgentQueueService } from './admission/agent-queue.service';
import { RunAdmission } from './admission/run-admission';
import { RunReplays } from './admission/run-replays';
import { RunRetries } from './admission/run-retries';
import { RunQueueSignal } from './run-queue.signal';
import { RunsController } from './runs.controller';
import { RunsMaintenance } from './runs.maintenance';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';
import { RuntimeController } from './runtime.controller';
import { RuntimeService } from './runtime.service';
import { RunUsage } from './usage/run-usage';
import { UsageController } from './usage/usage.controller';
import { UsageRepository } from './usage/usage.repository';
import { UsageService } from './usage/usage.service';

/**
 * Runs and the runtime contract, on top of agents (row lock, access), auth (key revocations) and
 * variation storage (the pinned version). What notifies is Slack's to read from what runs record.
 */
@Module({
  imports: [AgentsModule, AuthModule, VariationStoreModule],
  controllers: [RunsController, RuntimeController, AdmissionController, UsageController],
  providers: [RunsRepository, RunQueueSignal, RunsService, RuntimeService, RunsMaintenance, RunAdmission, RunRetries, RunReplays, AgentQueueService, RunUsage, UsageRepository, UsageService],
  exports: [RunsRepository],
})
export class RunsModule {}
