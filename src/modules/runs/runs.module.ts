import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { VariationStoreModule } from '../variations/variation-store.module';
import { RunQueueSignal } from './run-queue.signal';
import { RunsController } from './runs.controller';
import { RunsMaintenance } from './runs.maintenance';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';
import { RuntimeController } from './runtime.controller';
import { RuntimeService } from './runtime.service';

/** Runs and the runtime contract, on top of agents (row lock, access) and variation storage (the pinned version). */
@Module({
  imports: [AgentsModule, VariationStoreModule],
  controllers: [RunsController, RuntimeController],
  providers: [RunsRepository, RunQueueSignal, RunsService, RuntimeService, RunsMaintenance],
  exports: [RunsRepository],
})
export class RunsModule {}
