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
 * toggle is on (and each crossed budget, SPEC §15) becomes a notification row and its delivery job, committed with the event or not at
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
    this.eventLog.addReader({ wants: (event) => notifyingRunEvent(event) !== undefined || event.type === 'agent.budget_exceeded', read: (db, events) => this.record(db, events) });
  }

  private async record(db: EntityManager, events: readonly LoggedEvent[]): Promise<void> {
    const notifying = events.flatMap((logged) => notifyingRunEvent(logged) ?? []);
    const queued = notifying.length === 0 ? [] : await this.notifications.insertForEvents(db, notifying);
    for (const logged of events) {
      if (logged.type !== 'agent.budget_exceeded' || logged.agentId === null) continue;
      const { month, spentUsd, monthlyUsd, onExceeded } = logged.data as { month: string; spentUsd: number; monthlyUsd: number; onExceeded: string };
      queued.push(...(await this.notifications.insertForBudget(db, { agentId: logged.agentId, month, spentUsd, monthlyUsd, onExceeded })));
    }
    for (const notification of queued) await this.delivery.enqueue(db, notification);
  }
}

/** The run event of `change` when its type can notify (whether this agent's toggle is on is the insert's). */
function notifyingRunEvent(change: Parameters<typeof runEventOf>[0]): ReturnType<typeof runEventOf> {
  const event = runEventOf(change);
  return event && isNotifyingEvent(event.type) ? event : undefined;
}
