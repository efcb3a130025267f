import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { DestinationChecker } from './destination-checker';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookFanout } from './webhook-fanout';
import { WebhooksController } from './webhooks.controller';
import { WebhooksMaintenance } from './webhooks.maintenance';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Signed webhooks (SPEC §13): endpoints and their routes, the fan-out from the event log into
 * deliveries, every instance's delivery worker, and the delivery log's retention. Above events (it reads the log).
 */
@Module({
  imports: [EventsModule],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, DestinationChecker, WebhookFanout, WebhookDispatcher, WebhooksMaintenance],
})
export class WebhooksModule {}
