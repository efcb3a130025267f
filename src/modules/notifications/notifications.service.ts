import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isoOrNull } from '../../common/http/iso-date';
import { keysetPage, pageCursor } from '../../common/pagination/keyset-page';
import { AgentGate } from '../agents/agent-gate';
import { AgentRef } from '../agents/domain/agent-ref';
import { Principal } from '../auth/domain/principal';
import { testMessage } from './domain/notification-message';
import { ListNotificationsQueryDto, NotificationDto, NotificationListDto, NotificationTestResultDto } from './dto/notification.dto';
import { NotificationDelivery } from './notification-delivery';
import { DeliveryFailed, NOTIFICATION_TRANSPORT, NotificationTransport } from '../notification-transport/notification-transport';
import { notificationErrors } from './notifications.errors';
import { NotificationRow, NotificationsRepository } from './notifications.repository';

/** The delivery log and the test message, for whoever manages the agent. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly notifications: NotificationsRepository,
    private readonly delivery: NotificationDelivery,
    @Inject(NOTIFICATION_TRANSPORT) private readonly transport: NotificationTransport,
  ) {}

  async list(principal: Principal, ref: AgentRef, query: ListNotificationsQueryDto): Promise<NotificationListDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'manage');
    const pageSize = query.pageSize ?? 50;
    const rows = await this.notifications.list(db, { agentId: agent.id, status: query.status, beforeId: pageCursor(query.pageToken, 'text'), limit: pageSize + 1 });
    const { items, nextPageToken } = keysetPage(rows, pageSize, (row) => row.id);
    return { notifications: items.map(toNotificationDto), nextPageToken };
  }

  /**
   * Sends one message now and answers with Slack's verdict. It takes its turn in the channel's pace
   * like any delivery, and waits on Slack holding no connection. Not written to the delivery log:
   * that log is of run events and digests.
   */
  async sendTest(principal: Principal, ref: AgentRef): Promise<NotificationTestResultDto> {
    const { agent } = await this.gate.read(this.db.manager, principal, ref, 'manage');
    const config = agent.notificationConfig;
    if (!config) throw notificationErrors.notConfigured();
    const channel = config.slackChannelId;
    try {
      const { ts } = await this.delivery.inTurn(channel, () => this.transport.postMessage(channel, testMessage(agent.name, agent.id)));
      return { delivered: true, channel, slackTs: ts };
    } catch (error) {
      if (error instanceof DeliveryFailed) throw notificationErrors.testFailed(channel, error.failure);
      throw error;
    }
  }
}

function toNotificationDto(row: NotificationRow): NotificationDto {
  return {
    id: Number(row.id),
    runId: row.runId,
    event: row.event,
    channel: row.channel,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? isoOrNull(row.nextAttemptAt) : null,
    createdAt: new Date(row.createdAt).toISOString(),
    deliveredAt: isoOrNull(row.deliveredAt),
    slackTs: row.slackTs,
  };
}
