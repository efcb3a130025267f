import { DeliveryFailure, SlackMessage } from './domain/slack-delivery';

/** Where notifications go: Slack when a bot token is configured, else the service log. */
export interface NotificationTransport {
  readonly name: 'slack' | 'log';
  /** Resolves when notifications can be posted to the channel; throws a DomainError otherwise. */
  verifyChannel(channelId: string): Promise<void>;
  /** Posts once, never retrying; resolves with Slack's message timestamp (null in the log), or throws DeliveryFailed. */
  postMessage(channelId: string, message: SlackMessage): Promise<{ ts: string | null }>;
}

/** A try that did not deliver, classified for the retry policy. */
export class DeliveryFailed extends Error {
  constructor(readonly failure: DeliveryFailure) {
    super(`Slack delivery failed: ${failure.error}`);
  }
}

export const NOTIFICATION_TRANSPORT = Symbol('NOTIFICATION_TRANSPORT');
