import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { DeliveryFailure } from '../notification-transport/domain/slack-delivery';
import { nextStep } from './domain/delivery-policy';
import { messageFor } from './domain/notification-message';
import { DeliveryFailed, NOTIFICATION_TRANSPORT, NotificationTransport } from '../notification-transport/notification-transport';
import { NotificationsRepository, NotificationToSend } from './notifications.repository';

export const DELIVERY_QUEUE = 'notification-delivery';

/** Parallel deliveries per instance; each mostly waits on Slack or on its channel's pace, not on the CPU. */
const LOCAL_CONCURRENCY = 16;

interface DeliveryJob {
  notificationId: string;
}

/**
 * Delivers notifications: one pg-boss job per try, on the service's own PostgreSQL.
 *
 * The notification row is the truth (status, attempts, next try); a job only says "try it now".
 * Pacing is per channel and shared through the database: new notifications' first tries are planned
 * NOTIFY_CHANNEL_INTERVAL_MS apart in the order their events were written (so a run's messages arrive
 * in order), and every try posts in the channel's turn (a compare-and-set on the channel's row,
 * reopened an interval after Slack answered), so no channel gets two messages less than the interval
 * apart however many instances deliver. The queue also groups jobs by channel with a concurrency of
 * one, so a channel's backlog does not occupy every worker. A try holds the notification (attempt
 * counted, `sending_until`) in one short statement, then waits on Slack with no connection or lock
 * held, then settles it only if it still holds that attempt: the log never shows two deliveries.
 * Retries are new jobs with a start time (pg-boss's own retry cannot wait what Slack's Retry-After
 * says), sent in the transaction that records the failed try. pg-boss's retry is kept only for a
 * try that crashed: it comes back after the hold lapsed and tries again.
 */
@Injectable()
export class NotificationDelivery implements OnModuleInit {
  private readonly logger = new Logger(NotificationDelivery.name);
  /** How long a try may hold its notification: Slack's timeout plus the wait for a channel slot. */
  private readonly holdSeconds: number;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly jobs: Jobs,
    private readonly notifications: NotificationsRepository,
    @Inject(NOTIFICATION_TRANSPORT) private readonly transport: NotificationTransport,
  ) {
    this.holdSeconds = Math.ceil((config.SLACK_TIMEOUT_MS + 2 * config.NOTIFY_CHANNEL_INTERVAL_MS) / 1000) + 5;
  }

  onModuleInit(): void {
    this.jobs.work<DeliveryJob>(DELIVERY_QUEUE, { localConcurrency: LOCAL_CONCURRENCY, groupConcurrency: 1, pollingIntervalSeconds: 0.5 }, (job) =>
      this.deliver(job.notificationId),
    );
  }

  /**
   * Queues a try of notification `id` in the caller's transaction. Each try is queued once: by the
   * insert that created the notification, or by the update that recorded the failed try before it
   * (both match only once). A first try (no `startAfter`) is planned in its channel's order.
   */
  async enqueue(db: EntityManager, notification: { id: string; channel: string }, startAfter?: Date): Promise<void> {
    startAfter ??= await this.notifications.planChannelSlot(db, notification, this.config.NOTIFY_CHANNEL_INTERVAL_MS);
    await this.jobs.send(
      DELIVERY_QUEUE,
      { notificationId: notification.id } satisfies DeliveryJob,
      {
        db,
        group: { id: notification.channel },
        startAfter,
        retryLimit: 3,
        retryDelay: this.holdSeconds + 1,
        expireInSeconds: this.holdSeconds * 2,
        // Ten minutes after the last try, long after any duplicate of it could still be sent.
        deleteAfterSeconds: 600,
      },
    );
  }

  /** One try of one notification, as its job says. */
  private async deliver(id: string): Promise<void> {
    const notification = await this.notifications.takeForTry(this.db.manager, id, this.holdSeconds);
    if (!notification) return; // settled already, or another try holds it
    let ts: string | null;
    try {
      ({ ts } = await this.inTurn(notification.channel, () => this.transport.postMessage(notification.channel, messageFor(notification.message))));
    } catch (error) {
      if (!(error instanceof DeliveryFailed)) this.logger.error({ err: error, notificationId: id }, 'Notification delivery failed unexpectedly');
      await this.settleFailure(notification, error instanceof DeliveryFailed ? error.failure : { kind: 'transient', error: 'internal_error' });
      return;
    }
    const settled = await this.notifications.markDelivered(this.db.manager, notification.id, notification.attempts, ts);
    if (!settled) this.logger.warn({ notificationId: id }, 'Notification was delivered after its try lapsed; the log keeps the first settlement');
  }

  /**
   * Posts to `channel` in its turn: once its previous message was answered at least
   * NOTIFY_CHANNEL_INTERVAL_MS ago, counted from the answer (not from the send), so however late this
   * process's timers fire, Slack never sees two messages closer than that. A 429 keeps the channel
   * closed for its Retry-After. No connection is held while waiting or posting.
   */
  async inTurn<T>(channel: string, post: () => Promise<T>): Promise<T> {
    const interval = this.config.NOTIFY_CHANNEL_INTERVAL_MS;
    // Held while the post is in flight; a process that dies mid-post frees the channel after this.
    const inFlightMs = interval + this.config.SLACK_TIMEOUT_MS + 1000;
    for (let wait; (wait = await this.notifications.takeSendTurn(this.db.manager, channel, inFlightMs)) > 0; ) await sleep(Math.min(wait, interval));
    let closedForMs = interval;
    try {
      return await post();
    } catch (error) {
      if (error instanceof DeliveryFailed && error.failure.kind === 'rate_limited') closedForMs = Math.max(interval, error.failure.retryAfterMs);
      throw error;
    } finally {
      await this.notifications.releaseSendTurn(this.db.manager, channel, closedForMs).catch((error: unknown) => this.logger.warn({ err: error, channel }, 'Could not release the channel; it reopens when its hold lapses'));
    }
  }

  private async settleFailure(notification: NotificationToSend, failure: DeliveryFailure): Promise<void> {
    const { id, channel, attempts } = notification;
    const step = nextStep(failure, attempts, this.config.NOTIFY_MAX_ATTEMPTS, this.config.NOTIFY_RETRY_BASE_MS, Math.random());
    const context = { notificationId: id, channel, attempts, slackError: failure.error };
    if (step.kind === 'fail') {
      await this.notifications.markFailed(this.db.manager, id, attempts, failure.error);
      this.logger.warn(context, `Notification failed for good after ${attempts} attempt(s): ${failure.error}`);
      return;
    }
    await this.db.transaction(async (db) => {
      const due = await this.notifications.markRetrying(db, id, attempts, failure.error, step.delayMs);
      if (due) await this.enqueue(db, notification, due);
    });
    this.logger.log(context, `Notification try ${attempts} failed (${failure.error}); retrying in ${step.delayMs} ms`);
  }
}
