import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isNotifyingEvent } from './domain/notification-message';
import { NotificationDelivery } from './notification-delivery';
import { NotificationsRepository, WrittenRunEvent } from './notifications.repository';

/**
 * What the Runs module calls in the transaction that writes run events: each event whose toggle is on
 * becomes a notification row and its delivery job, committed with the event or not at all.
 */
@Injectable()
export class NotificationOutbox {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly delivery: NotificationDelivery,
  ) {}

  async record(db: EntityManager, events: WrittenRunEvent[]): Promise<void> {
    const notifying = events.filter((event) => isNotifyingEvent(event.type));
    if (notifying.length === 0) return;
    for (const queued of await this.notifications.insertForEvents(db, notifying)) await this.delivery.enqueue(db, queued);
  }
}
