import { Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config';
import { LogTransport } from './log.transport';
import { NOTIFICATION_TRANSPORT, NotificationTransport } from './notification-transport';
import { NotificationsService } from './notifications.service';
import { SlackTransport } from './slack.transport';

export function createNotificationTransport(config: AppConfig): NotificationTransport {
  return config.SLACK_BOT_TOKEN ? new SlackTransport(config) : new LogTransport();
}

@Module({
  providers: [{ provide: NOTIFICATION_TRANSPORT, inject: [AppConfig], useFactory: createNotificationTransport }, NotificationsService],
  exports: [NotificationsService],
})
export class NotificationsModule implements OnModuleInit {
  private readonly logger = new Logger(NotificationsModule.name);

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
