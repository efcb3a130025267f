import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { RunsModule } from '../runs/runs.module';
import { VariationStoreModule } from '../variation-store/variation-store.module';
import { ScheduleSweeper } from './schedule-sweeper';
import { SchedulesController } from './schedules.controller';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesService } from './schedules.service';

/** Schedules: due ticks become runs (on top of agents and runs), and the schedule as it stands. */
@Module({
  imports: [AgentsModule, RunsModule, VariationStoreModule],
  controllers: [SchedulesController],
  providers: [SchedulesRepository, SchedulesService, ScheduleSweeper],
})
export class SchedulesModule {}
