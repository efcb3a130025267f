import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LoggedEvent } from '../events/domain/event';
import { EventLog } from '../events/event-log';
import { runEventOf } from '../runs/domain/run-events';
import { isNotifyingEvent } from './domain/notification-message';
import { NotificationDelivery } from './notification-delivery';
import { NotificationsRepository } from './notifications.repository';

/**
 * Slack as a reader of the event log: in the transaction that appends them, each run event whose
 * toggle is on becomes a notification row and its delivery job, committed with the event or not at
 * all. The modules that write run events know nothing of it.
 */
@Injectable()
export class NotificationOutbox implements OnModuleInit {
  constructor(
    private readonly eventLog: EventLog,
    private readonly notifications: NotificationsRepository,
    private readonly delivery: NotificationDelivery,
  ) {}

  onModuleInit(): void {
    this.eventLog.addReader((db, events) => this.record(db, events));
  }

  private async record(db: EntityManager, events: readonly LoggedEvent[]): Promise<void> {
    const notifying = events.flatMap((logged) => {
      const event = runEventOf(logged);
      return event && isNotifyingEvent(event.type) ? [event] : [];
    });
    if (notifying.length === 0) return;
    for (const queued of await this.notifications.insertForEvents(db, notifying)) await this.delivery.enqueue(db, queued);
  }
}
