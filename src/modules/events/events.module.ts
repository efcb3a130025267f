import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuthModule } from '../auth/auth.module';
import { RunsModule } from '../runs/runs.module';
import { EventLog } from './event-log';
import { EventStreams } from './event-streams';
import { EventsController } from './events.controller';
import { EventsMaintenance } from './events.maintenance';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/**
 * The event log (SPEC §13): its writer (EventLog, a reader of the write seam; the database module's
 * EventAnnouncer tells the streams after COMMIT), the audit route, the
 * live streams and retention, above agents (the gate, the agents a member's view depends on), runs (a
 * run's stream) and auth (a revoked key ends its streams).
 */
@Module({
  imports: [AgentsModule, RunsModule, AuthModule],
  controllers: [EventsController],
  providers: [EventLog, EventsRepository, EventsService, EventStreams, EventsMaintenance],
  // The Slack outbox reads the log as it is appended; webhooks read it as the audit route does.
  exports: [EventLog, EventsRepository],
})
export class EventsModule {}
