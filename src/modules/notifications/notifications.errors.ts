import { DomainError, retryAfter } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { DeliveryFailure } from '../notification-transport/domain/slack-delivery';

/** The Notifications module's errors, one factory each; the problem+json map gives them their status. */
export const notificationErrors = {
  notConfigured: () =>
    new DomainError(ErrorCode.NOTIFICATIONS_NOT_CONFIGURED, 'The agent has no notificationConfig; set a Slack channel with PATCH before sending a test message.'),
  /** What Slack answered to a test message, as the caller should hear it. */
  testFailed: (channel: string, failure: DeliveryFailure) => {
    switch (failure.kind) {
      case 'permanent':
        return failure.error === 'not_in_channel' || failure.error === 'channel_not_found'
          ? new DomainError(
              ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED,
              `Slack answered ${failure.error}: the Agentry bot cannot post in channel ${channel}. Invite it in Slack with /invite followed by the bot's name, then retry.`,
            )
          : new DomainError(ErrorCode.NOTIFICATION_REJECTED, `Slack refused the message to channel ${channel}: ${failure.error}. Retrying will not help until that is fixed.`);
      case 'rate_limited':
        return retryAfter(ErrorCode.SLACK_UNAVAILABLE, Math.ceil(failure.retryAfterMs / 1000), (seconds) => `Slack is rate-limiting Agentry in channel ${channel}; retry in ${seconds} s.`);
      case 'transient':
        return new DomainError(ErrorCode.SLACK_UNAVAILABLE, `Slack could not take the message to channel ${channel} (${failure.error}); retry shortly.`);
    }
  },
};
