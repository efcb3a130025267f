import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuthModule } from '../auth/auth.module';
import { RunsModule } from '../runs/runs.module';
import { EventStreams } from './event-streams';
import { EventsController } from './events.controller';
import { EventsMaintenance } from './events.maintenance';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/**
 * The event log's readers (SPEC §13): the audit route, the live streams and retention, above agents
 * (access, the agents a member's view depends on), runs (a run's stream) and auth (a revoked key ends
 * its streams). The writer is EventLogModule, a building block below every module that records.
 */
@Module({
  imports: [AgentsModule, RunsModule, AuthModule],
  controllers: [EventsController],
  providers: [EventsRepository, EventsService, EventStreams, EventsMaintenance],
})
export class EventsModule {}
