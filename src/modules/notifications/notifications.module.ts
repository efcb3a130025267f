import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { EventsModule } from '../events/events.module';
import { DigestSweeper } from './digest.sweeper';
import { NotificationDelivery } from './notification-delivery';
import { NotificationOutbox } from './notification-outbox';
import { NotificationTransportModule } from '../notification-transport/notification-transport.module';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

/**
 * Notifications (SPEC §7): the outbox, which reads the run events of the event log as each write's
 * transaction appends them (a reader of EventLog), delivery on pg-boss with retries and per-channel pacing, the daily digest, the
 * delivery log and the test message. Builds on agents (the gate for its routes) and the transport.
 */
@Module({
  imports: [AgentsModule, EventsModule, NotificationTransportModule],
  controllers: [NotificationsController],
  providers: [NotificationsRepository, NotificationsService, NotificationDelivery, NotificationOutbox, DigestSweeper],
})
export class NotificationsModule {}
