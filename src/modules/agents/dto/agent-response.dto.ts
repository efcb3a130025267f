import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GrantDto, ToolRefDto, SubAgentRefDto, VoiceDto, WorkflowStructureDto } from './agent-fields.dto';

export class AccessConfigDto {
  @ApiProperty({ example: 'user:user_1' }) owner!: string;
  @ApiProperty({ enum: ['none', 'use', 'manage'], example: 'use' }) orgAccess!: 'none' | 'use' | 'manage';
  @ApiProperty({ type: [GrantDto] }) grants!: GrantDto[];
}

export class NotificationEventsDto {
  @ApiProperty() actionTaken!: boolean;
  @ApiProperty() approvalRequired!: boolean;
  @ApiProperty() outcome!: boolean;
  @ApiProperty() error!: boolean;
  @ApiProperty() digest!: boolean;
}

export class NotificationConfigDto {
  @ApiProperty({ example: 'C0123456789' }) slackChannelId!: string;
  @ApiProperty({ type: NotificationEventsDto }) events!: NotificationEventsDto;
}

export class VariationPayloadDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: Number, example: 3, description: 'Null while the variation is a draft.' }) version!: number | null;
  @ApiProperty({ enum: ['draft', 'published', 'superseded'] }) state!: 'draft' | 'published' | 'superseded';
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, example: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } } })
  trigger!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) agentSelection!: Record<string, unknown> | null;
  @ApiProperty({ type: WorkflowStructureDto }) workflowStructure!: WorkflowStructureDto;
  @ApiProperty({ nullable: true, type: String }) instructions!: string | null;
  @ApiProperty({ nullable: true, type: String }) role!: string | null;
  @ApiProperty({ nullable: true, type: String }) language!: string | null;
  @ApiProperty({ nullable: true, type: String }) specialInstructions!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) modelId!: string | null;
  @ApiProperty({ type: VoiceDto }) voice!: VoiceDto;
  @ApiProperty({ type: [ToolRefDto] }) tools!: ToolRefDto[];
  @ApiProperty({ type: [SubAgentRefDto] }) subAgents!: SubAgentRefDto[];
}

export class PendingOwnershipTransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'user:user_1' }) from!: string;
  @ApiProperty({ example: 'user:user_2' }) to!: string;
  @ApiProperty() requestedAt!: string;
  @ApiProperty() expiresAt!: string;
}

export class AgentResponseDto {
  @ApiProperty({ example: 42 }) id!: number;
  @ApiProperty({ format: 'uuid' }) uid!: string;
  @ApiProperty({ example: 'daily-sales-report-a3f' }) slug!: string;
  @ApiProperty({ example: 'Daily Sales Report v2' }) name!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) type!: 'task' | 'workflow';
  @ApiProperty({ enum: ['draft', 'active', 'deleted'] }) status!: 'draft' | 'active' | 'deleted';
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() hasUnpublishedChanges!: boolean;
  @ApiProperty() isScheduleActive!: boolean;
  @ApiProperty({ nullable: true, type: String, example: '2026-05-12T09:00:00.000Z' }) nextRunAt!: string | null;
  @ApiProperty({ type: AccessConfigDto }) accessConfig!: AccessConfigDto;
  @ApiProperty({ type: NotificationConfigDto, nullable: true }) notificationConfig!: NotificationConfigDto | null;
  @ApiProperty({ description: 'Whether the caller can manage (edit, deploy, delete, toggle) this agent.' }) canManage!: boolean;
  @ApiProperty({ description: 'Whether the caller can use (run, view) this agent.' }) canUse!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) activeVariationId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) draftVariationId!: string | null;
  @ApiProperty({ example: 12 }) runsCount!: number;
  @ApiPropertyOptional({ type: VariationPayloadDto, description: 'On single-agent responses; absent on list rows.' }) variation?: VariationPayloadDto;
  @ApiPropertyOptional({ type: PendingOwnershipTransferDto, description: 'Present only while a transfer awaits the recipient.' })
  pendingOwnershipTransfer?: PendingOwnershipTransferDto;
  @ApiProperty({ example: '"17"', description: 'Strong entity tag; the same value as the ETag header.' }) etag!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) deletedAt!: string | null;
}

export class AgentListResponseDto {
  @ApiProperty({ type: [AgentResponseDto] }) agents!: AgentResponseDto[];
  @ApiProperty({ nullable: true, type: String }) nextPageToken!: string | null;
}

export class FieldChangeDto {
  @ApiProperty({ example: 'instructions' }) field!: string;
  @ApiProperty({ nullable: true, description: 'The deployed value (null when nothing is deployed).' }) active!: unknown;
  @ApiProperty({ nullable: true, description: 'The value deploy would publish.' }) draft!: unknown;
}

export class AgentDiffResponseDto {
  @ApiProperty() hasUnpublishedChanges!: boolean;
  @ApiProperty({ nullable: true, type: Number }) activeVersion!: number | null;
  @ApiProperty({ type: [FieldChangeDto] }) changes!: FieldChangeDto[];
}

export class VariationSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: Number }) version!: number | null;
  @ApiProperty({ enum: ['draft', 'published', 'superseded'] }) state!: 'draft' | 'published' | 'superseded';
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) type!: 'task' | 'workflow';
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) publishedAt!: string | null;
}

export class VariationListResponseDto {
  @ApiProperty({ type: [VariationSummaryDto] }) variations!: VariationSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) nextPageToken!: string | null;
}

export class VariationDetailDto extends VariationPayloadDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) type!: 'task' | 'workflow';
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) publishedAt!: string | null;
}
