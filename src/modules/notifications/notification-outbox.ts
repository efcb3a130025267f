import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RecordedChange } from '../../infrastructure/database/change';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { runEventOf } from '../runs/domain/run-events';
import { isNotifyingEvent } from './domain/notification-message';
import { NotificationDelivery } from './notification-delivery';
import { NotificationsRepository } from './notifications.repository';

/**
 * Slack as a reader of what the use cases record: in the transaction that wrote them, each run event
 * whose toggle is on becomes a notification row and its delivery job, committed with the event or not
 * at all. The modules that write run events know nothing of it.
 */
@Injectable()
export class NotificationOutbox implements OnModuleInit {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly notifications: NotificationsRepository,
    private readonly delivery: NotificationDelivery,
  ) {}

  onModuleInit(): void {
    this.unitOfWork.addReader((db, changes) => this.record(db, changes));
  }

  private async record(db: EntityManager, changes: readonly RecordedChange[]): Promise<void> {
    const notifying = changes.flatMap((change) => {
      const event = runEventOf(change);
      return event && isNotifyingEvent(event.type) ? [event] : [];
    });
    if (notifying.length === 0) return;
    for (const queued of await this.notifications.insertForEvents(db, notifying)) await this.delivery.enqueue(db, queued);
  }
}
