import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ANY_JSON } from '../../../common/swagger/any-json';
import { ConcurrencyDto, RetryPolicyDto, SubAgentRefDto, ToolRefDto, VoiceDto, WorkflowStructureDto } from './variation-content.dto';

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
}

@ApiSchema({ name: 'FieldChange' })
export class FieldChangeDto {
  @ApiProperty({ example: 'instructions' }) field!: string;
  @ApiProperty({ description: 'The deployed value (null when nothing is deployed).', ...ANY_JSON, example: 'You are a reporting agent.' })
  active!: unknown;
  @ApiProperty({ description: 'The value deploy would publish.', ...ANY_JSON, example: "You are a reporting agent. Summarise yesterday's sales by region." })
  draft!: unknown;
}

@ApiSchema({ name: 'AgentDiff' })
export class AgentDiffResponseDto {
  @ApiProperty() hasUnpublishedChanges!: boolean;
  @ApiProperty({ nullable: true, type: 'integer', example: 3 }) activeVersion!: number | null;
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
}
