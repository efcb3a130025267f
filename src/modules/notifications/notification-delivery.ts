import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { Metrics } from '../../infrastructure/metrics/metrics';
import { DeliveryFailure } from '../notification-transport/domain/slack-delivery';
import { nextStep } from './domain/delivery-policy';
import { messageFor } from './domain/notification-message';
import { DeliveryFailed, NOTIFICATION_TRANSPORT, NotificationTransport } from '../notification-transport/notification-transport';
import { NotificationsRepository, NotificationToSend } from './notifications.repository';

export const DELIVERY_QUEUE = 'notification-delivery';

/** Parallel deliveries per instance; each mostly waits on Slack or on its channel's pace, not on the CPU. */
const LOCAL_CONCURRENCY = 16;
/** A try's hold beyond Slack's timeout and its channel's pace: for its own few statements. */
const HOLD_MARGIN_SECONDS = 2;

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
 * try that crashed: another instance's supervisor fails its job once the hold lapsed, and the retry
 * tries again. Slack must not show the message twice, so every message carries its notification's
 * id (message metadata), and a try that follows one whose outcome is unknown (a crash mid-post, a
 * lost answer) first looks for it in the channel (`unconfirmed_since`): found, it is recorded as
 * delivered without posting.
 */
@Injectable()
export class NotificationDelivery implements OnModuleInit {
  private readonly logger = new Logger(NotificationDelivery.name);
  /** How long a try holds its notification, and again from just before it posts: Slack's timeout plus the wait for a channel slot. */
  private readonly holdSeconds: number;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly jobs: Jobs,
    private readonly notifications: NotificationsRepository,
    @Inject(NOTIFICATION_TRANSPORT) private readonly transport: NotificationTransport,
    private readonly metrics: Metrics,
  ) {
    this.holdSeconds = Math.ceil((config.SLACK_TIMEOUT_MS + 2 * config.NOTIFY_CHANNEL_INTERVAL_MS) / 1000) + HOLD_MARGIN_SECONDS;
  }

  onModuleInit(): void {
    this.jobs.work<DeliveryJob>(DELIVERY_QUEUE, { localConcurrency: LOCAL_CONCURRENCY, groupConcurrency: 1, pollingIntervalSeconds: 0.5 }, (job) =>
      this.deliver(job.notificationId),
    );
  }

  /**
   * Queues a try of notification `id` in the caller's transaction. Each try is queued once: by the
   * insert that created the notification, or by the update that recorded the failed try before it
   * (both match only once); a job that found the notification held queues itself again for when the
   * hold lapses. A first try (no `startAfter`) is planned in its channel's order.
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
        // pg-boss retries a job only when its try died or overran: a second after the hold, whose end
        // the supervisor notices within JOBS_SUPERVISE_INTERVAL_SECONDS. A retry that still finds the
        // hold comes back when it lapses; the renewed hold keeps it from posting beside a live try.
        retryLimit: 3,
        retryDelay: 1,
        expireInSeconds: this.holdSeconds + 1,
        // Ten minutes after the last try, long after any duplicate of it could still be sent.
        deleteAfterSeconds: 600,
      },
    );
  }

  /**
   * One try of one notification, as its job says. A try whose predecessor's outcome is unknown (it
   * died mid-post, or Slack's answer was lost) first looks for that message in the channel, so a
   * message Slack already shows is recorded, not posted twice. Right before posting, the try renews
   * its hold, and posts only if no later try took the notification over meanwhile.
   */
  private async deliver(id: string): Promise<void> {
    const taken = await this.notifications.takeForTry(this.db.manager, id, this.holdSeconds);
    if (!taken) return; // settled already
    if ('heldUntil' in taken) {
      // Another try holds it, or a try that died and whose hold has not lapsed yet: this job comes back then.
      await this.enqueue(this.db.manager, { id, channel: taken.channel }, taken.heldUntil);
      return;
    }
    const { notification, checkSince } = taken;
    let earlierSettled = checkSince === null;
    let ts: string | null;
    try {
      const earlier = checkSince ? await this.transport.findPosted(notification.channel, id, checkSince) : undefined;
      earlierSettled = true;
      if (earlier) {
        ts = earlier.ts;
      } else {
        const posted = await this.inTurn(notification.channel, async () =>
          (await this.notifications.renewHold(this.db.manager, id, notification.attempts, this.holdSeconds))
            ? this.transport.postMessage(notification.channel, messageFor(notification.message), id)
            : undefined,
        );
        if (!posted) return; // a later try took it over: that one settles it
        ts = posted.ts;
      }
    } catch (error) {
      if (!(error instanceof DeliveryFailed)) this.logger.error({ err: error, notificationId: id }, 'Notification delivery failed unexpectedly');
      const failure: DeliveryFailure = error instanceof DeliveryFailed ? error.failure : { kind: 'transient', error: 'internal_error', maybePosted: true };
      await this.settleFailure(notification, failure, !earlierSettled || (failure.kind === 'transient' && failure.maybePosted === true));
      return;
    }
    const settled = await this.notifications.markDelivered(this.db.manager, notification.id, notification.attempts, ts);
    if (!settled) this.logger.warn({ notificationId: id }, 'Notification was delivered after its try lapsed; the log keeps the first settlement');
    else this.metrics.delivery('slack', 'delivered');
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

  /** `unconfirmed`: Slack may show the message although no answer said so; the next try looks first. */
  private async settleFailure(notification: NotificationToSend, failure: DeliveryFailure, unconfirmed: boolean): Promise<void> {
    const { id, channel, attempts } = notification;
    const step = nextStep(failure, attempts, this.config.NOTIFY_MAX_ATTEMPTS, this.config.NOTIFY_RETRY_BASE_MS, Math.random());
    const context = { notificationId: id, channel, attempts, slackError: failure.error };
    if (step.kind === 'fail') {
      await this.notifications.markFailed(this.db.manager, id, attempts, failure.error, unconfirmed);
      this.metrics.delivery('slack', 'failed');
      this.logger.warn(context, `Notification failed for good after ${attempts} attempt(s): ${failure.error}`);
      return;
    }
    await this.db.transaction(async (db) => {
      const due = await this.notifications.markRetrying(db, id, attempts, failure.error, step.delayMs, unconfirmed);
      if (due) await this.enqueue(db, notification, due);
    });
    this.metrics.delivery('slack', 'retrying');
    this.logger.log(context, `Notification try ${attempts} failed (${failure.error}); retrying in ${step.delayMs} ms`);
  }
}
