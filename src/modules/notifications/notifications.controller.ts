import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiAgentIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../agents/agent-ref.pipe';
import { AGENT_ROUTE_PROBLEMS } from '../agents/agent-route-problems';
import { AgentRef } from '../agents/domain/agent-ref';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { ListNotificationsQueryDto, NotificationListDto, NotificationTestResultDto } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

const E = ErrorCode;

@ApiTags('Notifications')
@Controller('api/v1/agents/:id/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'List notification deliveries',
    description: "The agent's notifications (run events and daily digests), newest first, in keyset pages, with where each delivery stands. Managers only.",
  })
  @ApiOkResponse({ type: NotificationListDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED, E.FORBIDDEN)
  listNotifications(@CurrentPrincipal() principal: Principal, @Query() query: ListNotificationsQueryDto, @Param('id', AgentRefPipe) ref: AgentRef): Promise<NotificationListDto> {
    return this.notifications.list(principal, ref, query);
  }

  @Post('test')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Send a test notification',
    description:
      "Posts a test message to the agent's Slack channel now and answers with Slack's verdict: 422 when Slack refuses it for good (the bot left the channel, the channel is archived, the token is revoked…), 503 when Slack cannot be reached. Managers only.",
  })
  @ApiOkResponse({ type: NotificationTestResultDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.FORBIDDEN, E.NOTIFICATIONS_NOT_CONFIGURED, E.NOTIFICATION_CHANNEL_NOT_JOINED, E.NOTIFICATION_REJECTED, E.SLACK_UNAVAILABLE)
  sendTestNotification(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef): Promise<NotificationTestResultDto> {
    return this.notifications.sendTest(principal, ref);
  }
}
