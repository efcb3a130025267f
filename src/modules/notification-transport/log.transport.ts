import { Logger } from '@nestjs/common';
import { SlackMessage } from './domain/slack-delivery';
import { NotificationTransport } from './notification-transport';

/** Used without SLACK_BOT_TOKEN: every channel is accepted unverified and notifications go to the log. */
export class LogTransport implements NotificationTransport {
  readonly name = 'log';
  private readonly logger = new Logger(LogTransport.name);

  async verifyChannel(channelId: string): Promise<void> {
    this.logger.debug(`SLACK_BOT_TOKEN not set: channel ${channelId} accepted without verification`);
  }

  async postMessage(channelId: string, message: SlackMessage, notificationId?: string): Promise<{ ts: string | null }> {
    this.logger.log({ channel: channelId, notificationId, blocks: message.blocks }, `Notification for ${channelId}: ${message.text}`);
    return { ts: null };
  }

  /** A log cannot be read back: a line whose try was cut short may be written again. */
  async findPosted(): Promise<undefined> {
    return undefined;
  }
}
