import { DeliveryFailure, SlackMessage } from './domain/slack-delivery';

/** Where notifications go: Slack when a bot token is configured, else the service log. */
export interface NotificationTransport {
  readonly name: 'slack' | 'log';
  /** Resolves when notifications can be posted to the channel; throws a DomainError otherwise. */
  verifyChannel(channelId: string): Promise<void>;
  /**
   * Posts once, never retrying; resolves with Slack's message timestamp (null in the log), or throws
   * DeliveryFailed. With `notificationId` the message carries it (Slack message metadata), so
   * findPosted can tell later whether a try whose answer was lost did post it.
   */
  postMessage(channelId: string, message: SlackMessage, notificationId?: string): Promise<{ ts: string | null }>;
  /**
   * The message posted for `notificationId` since `since`, if the channel shows it; undefined when it
   * does not, or when the channel cannot be read (then only a re-post can deliver it). Throws
   * DeliveryFailed when Slack could not be asked right now.
   */
  findPosted(channelId: string, notificationId: string, since: Date): Promise<{ ts: string | null } | undefined>;
}

/** The metadata a notification's message carries, which findPosted looks for. */
export const NOTIFICATION_METADATA_TYPE = 'agentry_notification';

/** A try that did not deliver, classified for the retry policy. */
export class DeliveryFailed extends Error {
  constructor(readonly failure: DeliveryFailure) {
    super(`Slack delivery failed: ${failure.error}`);
  }
}

export const NOTIFICATION_TRANSPORT = Symbol('NOTIFICATION_TRANSPORT');
