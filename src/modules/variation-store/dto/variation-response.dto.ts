import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ANY_JSON } from '../../../common/swagger/any-json';
import { BudgetDto, ConcurrencyDto, RetryPolicyDto, SubAgentRefDto, ToolRefDto, VoiceDto, WorkflowStructureDto } from './variation-content.dto';

@ApiSchema({ name: 'Variation' })
export class VariationPayloadDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: 'integer', example: 3, description: 'Null while the variation is a draft.' }) version!: number | null;
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
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['limit', 'onLimit'],
    properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, onLimit: { type: 'string', enum: ['queue', 'reject'] } },
    example: null,
    description: 'At most `limit` runs claimed or running at once; null: no limit.',
  })
  concurrency!: ConcurrencyDto | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, example: null, description: 'The JSON Schema (2020-12) run input must match; null: any input.' })
  inputSchema!: Record<string, unknown> | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['maxAttempts', 'backoffSeconds', 'maxBackoffSeconds'],
    properties: { maxAttempts: { type: 'integer' }, backoffSeconds: { type: 'integer' }, maxBackoffSeconds: { type: 'integer' } },
    example: null,
    description: 'How runs that report a retryable error are tried again; null: never.',
  })
  retry!: RetryPolicyDto | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['monthlyUsd', 'onExceeded'],
    properties: { monthlyUsd: { type: 'number' }, onExceeded: { type: 'string', enum: ['pause', 'notify'] } },
    example: null,
    description: "The agent's monthly spend limit (UTC months) and what crossing it does; null: none.",
  })
  budget!: BudgetDto | null;
}

@ApiSchema({ name: 'FieldChange' })
export class FieldChangeDto {
  @ApiProperty({ example: 'instructions' }) field!: string;
  @ApiProperty({ description: 'The deployed value (null when nothing is deployed).', ...ANY_JSON, example: 'You are a reporting agent.' })
  active!: unknown;
  @ApiProperty({ description: 'The value deploy would publish.', ...ANY_JSON, example: "You are a reporting agent. Summarise yesterday's sales by region." })
  draft!: unknown;
}

/** `from` and `to` of a diff: `draft`, a version number, or an environment name (a draft is never named "draft"). */
const DIFF_REF = /^(draft|[1-9][0-9]{0,8}|[a-z][a-z0-9-]{0,30})$/;

export class DiffQueryDto {
  @ApiPropertyOptional({ default: 'production', description: 'The side to compare from: a version number, `draft`, or an environment name.' })
  @IsOptional()
  @IsString()
  @Matches(DIFF_REF, { message: 'from must be a version number, draft, or an environment name' })
  from?: string;

  @ApiPropertyOptional({ default: 'draft', description: 'The side to compare to: a version number, `draft`, or an environment name.' })
  @IsOptional()
  @IsString()
  @Matches(DIFF_REF, { message: 'to must be a version number, draft, or an environment name' })
  to?: string;
}

@ApiSchema({ name: 'DiffSide' })
export class DiffSideDto {
  @ApiProperty({ example: 'production', description: 'As asked: a version number, `draft`, or an environment name.' }) ref!: string;
  @ApiProperty({ nullable: true, type: 'integer', example: 3, description: 'The version it names; null for a draft, or when nothing is deployed.' }) version!: number | null;
}

@ApiSchema({ name: 'AgentDiff', description: 'In each change, `active` is the `from` side\'s value and `draft` the `to` side\'s.' })
export class AgentDiffResponseDto {
  @ApiProperty() hasUnpublishedChanges!: boolean;
  @ApiProperty({ nullable: true, type: 'integer', example: 3 }) activeVersion!: number | null;
  @ApiPropertyOptional({ type: DiffSideDto, description: 'The `from` side as resolved; present when `from` or `to` was sent.' }) from?: DiffSideDto;
  @ApiPropertyOptional({ type: DiffSideDto, description: 'The `to` side as resolved; present when `from` or `to` was sent.' }) to?: DiffSideDto;
  @ApiProperty({ type: [FieldChangeDto] }) changes!: FieldChangeDto[];
}

@ApiSchema({ name: 'VariationSummary' })
export class VariationSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: 'integer', example: 3 }) version!: number | null;
  @ApiProperty({ enum: ['draft', 'published', 'superseded'] }) state!: 'draft' | 'published' | 'superseded';
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) type!: 'task' | 'workflow';
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null }) publishedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Spring pricing', description: "The version's label." }) label!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: "The version's notes." }) notes!: string | null;
  @ApiProperty({ nullable: true, type: 'integer', example: 2, description: 'The version production ran when this draft began (null for the first draft).' }) baseVersion!: number | null;
}

@ApiSchema({ name: 'VariationList' })
export class VariationListResponseDto {
  @ApiProperty({ type: [VariationSummaryDto] }) variations!: VariationSummaryDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass it as `pageToken` for the next page; null on the last page.', example: null }) nextPageToken!: string | null;
}

@ApiSchema({ name: 'VariationDetail' })
export class VariationDetailDto extends VariationPayloadDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) type!: 'task' | 'workflow';
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null }) publishedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Spring pricing', description: "The version's label." }) label!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: "The version's notes." }) notes!: string | null;
  @ApiProperty({ nullable: true, type: 'integer', example: 2, description: 'The version production ran when this draft began (null for the first draft).' }) baseVersion!: number | null;
}
