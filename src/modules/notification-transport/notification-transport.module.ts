import { Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config';
import { ChannelVerifier } from './channel-verifier';
import { LogTransport } from './log.transport';
import { NOTIFICATION_TRANSPORT, NotificationTransport } from './notification-transport';
import { SlackTransport } from './slack.transport';

export function createNotificationTransport(config: AppConfig): NotificationTransport {
  return config.SLACK_BOT_TOKEN ? new SlackTransport(config) : new LogTransport();
}

/**
 * The way out to Slack (or the log), apart from the Notifications module so that agent writes can
 * verify a channel while the Notifications module builds on agents (its routes are on an agent).
 */
@Module({
  providers: [{ provide: NOTIFICATION_TRANSPORT, inject: [AppConfig], useFactory: createNotificationTransport }, ChannelVerifier],
  exports: [NOTIFICATION_TRANSPORT, ChannelVerifier],
})
export class NotificationTransportModule implements OnModuleInit {
  private readonly logger = new Logger(NotificationTransportModule.name);

  constructor(
    @Inject(NOTIFICATION_TRANSPORT) private readonly transport: NotificationTransport,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.transport.name === 'slack') {
      const api = this.config.SLACK_API_URL ? ` at ${this.config.SLACK_API_URL}` : '';
      this.logger.log(`Notifications: Slack transport${api}; notification channels are verified with Slack`);
    } else {
      this.logger.log('SLACK_BOT_TOKEN not set: notification channels are accepted unverified and notifications are written to the log');
    }
  }
}
