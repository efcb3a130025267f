import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { schemaRef } from '../../../common/swagger/schema-ref';
import { VariationPayloadDto } from '../../variation-store/dto/variation-response.dto';
import { GrantDto } from './agent-fields.dto';
import { AGENT_STATUSES, AgentStatus } from '../domain/agent-status';

@ApiSchema({ name: 'AccessConfig' })
export class AccessConfigDto {
  @ApiProperty({ example: 'user:user_1' }) owner!: string;
  @ApiProperty({ enum: ['none', 'use', 'manage'], example: 'use' }) orgAccess!: 'none' | 'use' | 'manage';
  @ApiProperty({ type: [GrantDto] }) grants!: GrantDto[];
}

@ApiSchema({ name: 'NotificationEvents' })
export class NotificationEventsDto {
  @ApiProperty() actionTaken!: boolean;
  @ApiProperty() approvalRequired!: boolean;
  @ApiProperty() outcome!: boolean;
  @ApiProperty() error!: boolean;
  @ApiProperty() digest!: boolean;
}

@ApiSchema({ name: 'PendingOwnershipTransfer' })
export class PendingOwnershipTransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'user:user_1' }) from!: string;
  @ApiProperty({ example: 'user:user_2' }) to!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) requestedAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) expiresAt!: string;
}

@ApiSchema({ name: 'Agent' })
@ApiExtraModels(NotificationEventsDto)
export class AgentResponseDto {
  @ApiProperty({ type: 'integer', example: 42 }) id!: number;
  @ApiProperty({ format: 'uuid' }) uid!: string;
  @ApiProperty({ example: 'daily-sales-report-a3f' }) slug!: string;
  @ApiProperty({ example: 'Daily Sales Report v2' }) name!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) type!: 'task' | 'workflow';
  @ApiProperty({ enum: AGENT_STATUSES, example: 'active' }) status!: AgentStatus;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() hasUnpublishedChanges!: boolean;
  @ApiProperty() isScheduleActive!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: '2026-05-12T09:00:00.000Z' }) nextRunAt!: string | null;
  @ApiProperty({ type: AccessConfigDto }) accessConfig!: AccessConfigDto;
  @ApiProperty({
    // Inline rather than a $ref: OpenAPI 3.0 cannot make a referenced schema nullable.
    type: 'object',
    nullable: true,
    required: ['slackChannelId', 'events'],
    properties: { slackChannelId: { type: 'string', example: 'C0123456789' }, events: schemaRef(NotificationEventsDto) },
    example: null,
  })
  notificationConfig!: { slackChannelId: string; events: NotificationEventsDto } | null;
  @ApiProperty({ description: 'Whether the caller can manage (edit, deploy, delete, toggle) this agent.' }) canManage!: boolean;
  @ApiProperty({ description: 'Whether the caller can use (run, view) this agent.' }) canUse!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) activeVariationId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) draftVariationId!: string | null;
  @ApiProperty({ type: 'integer', example: 12 }) runsCount!: number;
  @ApiPropertyOptional({ type: VariationPayloadDto, description: 'On single-agent responses; absent on list rows.' }) variation?: VariationPayloadDto;
  @ApiPropertyOptional({ type: PendingOwnershipTransferDto, description: 'Present only while a transfer awaits the recipient.' })
  pendingOwnershipTransfer?: PendingOwnershipTransferDto;
  @ApiProperty({ example: '"17"', description: 'Strong entity tag; the same value as the ETag header.' }) etag!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null }) deletedAt!: string | null;
}

@ApiSchema({ name: 'AgentList' })
export class AgentListResponseDto {
  @ApiProperty({ type: [AgentResponseDto] }) agents!: AgentResponseDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass it as `pageToken` for the next page; null on the last page.', example: null }) nextPageToken!: string | null;
}
