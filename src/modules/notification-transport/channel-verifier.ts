import { Inject, Injectable } from '@nestjs/common';
import { NOTIFICATION_TRANSPORT, NotificationTransport } from './notification-transport';

/** What agent writes need from Slack: whether the bot can post in a channel. */
@Injectable()
export class ChannelVerifier {
  constructor(@Inject(NOTIFICATION_TRANSPORT) private readonly transport: NotificationTransport) {}

  get transportName(): NotificationTransport['name'] {
    return this.transport.name;
  }

  /**
   * Checks that notifications can be posted to the channel. Call it before writing a config whose
   * channel is new (see channelNeedsVerification) and outside any transaction: it waits on Slack.
   * Throws DomainError NOTIFICATION_CHANNEL_NOT_JOINED (422) or SLACK_UNAVAILABLE (503).
   */
  verifyChannel(channelId: string): Promise<void> {
    return this.transport.verifyChannel(channelId);
  }
}
