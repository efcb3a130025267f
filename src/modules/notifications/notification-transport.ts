/** Where notifications go: Slack when a bot token is configured, else the service log. */
export interface NotificationTransport {
  readonly name: 'slack' | 'log';
  /** Resolves when notifications can be posted to the channel; throws a DomainError otherwise. */
  verifyChannel(channelId: string): Promise<void>;
}

export const NOTIFICATION_TRANSPORT = Symbol('NOTIFICATION_TRANSPORT');
