import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CheckedBy, RequiredField } from '../../../common/validation/field-rules';
import { OptionalButNotNull, OptionalNullable } from '../../../common/validation/presence.decorators';
import { duplicateToolIds } from '../../agents/domain/content-rules';
import { LANGUAGE_TAG } from '../../agents/dto/agent-fields.dto';
import { ToolRefDto } from '../../variation-store/dto/variation-content.dto';

const PIPELINE_MODES = ['pipeline', 'sts', 'hybrid'] as const;
const DATE_TIME = { type: String, format: 'date-time', example: '2026-04-28T11:42:11.000Z' } as const;

@ApiSchema({ name: 'ChatSubAgentRef' })
export class ChatSubAgentRefDto {
  @ApiProperty({ format: 'uuid', description: "The sub-agent's UUID (its `id` on these routes)." }) @IsUUID() agentId!: string;
}

/** Seed 001's agent fields (all optional; only the ones sent are written). Values follow the `/api/v1` rules. */
@ApiSchema({ name: 'ChatAgentRequest', description: 'Only the fields sent are written, and the write goes live (published as a new version).' })
export class ChatAgentRequestDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Tier-1 Support — Updated' })
  @OptionalButNotNull() @IsString() @Matches(/\S/, { message: 'fullName must not be blank' }) @MaxLength(200) fullName?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, example: 'Handles tier-1 customer queries' })
  @OptionalNullable() @IsString() @MaxLength(2000) description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000, example: 'You are a helpful support agent for Acme Inc.' })
  @OptionalNullable() @IsString() @MaxLength(10_000) role?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'en' })
  @OptionalNullable() @IsString() @Matches(LANGUAGE_TAG, { message: 'language must be a BCP-47 tag such as en or pt-BR' }) language?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100000, example: 'You specialize in billing, returns, and account access. Be brief.' })
  @OptionalNullable() @IsString() @MaxLength(100_000) systemPrompt?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000 })
  @OptionalNullable() @IsString() @MaxLength(10_000) specialInstructions?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid' })
  @OptionalNullable() @IsUUID() modelId?: string | null;

  @ApiPropertyOptional({ example: false }) @OptionalButNotNull() @IsBoolean() voiceEnabled?: boolean;

  @ApiPropertyOptional({ type: String, enum: [...PIPELINE_MODES, null], nullable: true, example: null })
  @OptionalNullable() @IsIn(PIPELINE_MODES) voicePipelineMode?: (typeof PIPELINE_MODES)[number] | null;

  @ApiPropertyOptional({ example: true, description: 'true: deployed and running (publishes a pending draft); false: paused.' })
  @OptionalButNotNull() @IsBoolean() isActive?: boolean;

  @ApiPropertyOptional({ example: false, description: 'true: the whole organization may use the agent; false: only those granted access.' })
  @OptionalButNotNull() @IsBoolean() isPublic?: boolean;

  @ApiPropertyOptional({ type: [ToolRefDto], description: 'Replaced, never merged; `[]` detaches all.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(128) @ValidateNested({ each: true }) @Type(() => ToolRefDto) @CheckedBy((tools, path) => duplicateToolIds(tools as ToolRefDto[], path))
  tools?: ToolRefDto[];

  @ApiPropertyOptional({ type: [ChatSubAgentRefDto], description: 'Replaced whole; `[]` removes all.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(32) @ValidateNested({ each: true }) @Type(() => ChatSubAgentRefDto) subAgents?: ChatSubAgentRefDto[];
}

@ApiSchema({ name: 'ChatAgentCreateRequest', description: 'A new chat agent: `fullName` is required; every other field takes its default when omitted.' })
export class ChatAgentCreateDto extends ChatAgentRequestDto {
  // ChatAgentRequestDto's validators let a PATCH leave fullName out; a create must send it.
  @ApiProperty({ required: true, minLength: 1, maxLength: 200, example: 'Customer Support Bot' }) @RequiredField() declare fullName: string;
}

@ApiSchema({ name: 'ChatAgentTool' })
export class ChatAgentToolDto {
  @ApiProperty({ example: { id: '8f0e2c4a-1b3d-4e5f-9a7b-6c5d4e3f2a1b' } }) tool!: { id: string };
  @ApiProperty({ type: 'object', additionalProperties: true, example: {} }) config!: Record<string, unknown>;
}

@ApiSchema({ name: 'ChatAgent', description: 'An agent as seed 001 shows it: its live (deployed) content.' })
export class ChatAgentDto {
  @ApiProperty({ format: 'uuid', example: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890' }) id!: string;
  @ApiProperty({ example: 'Customer Support Bot' }) fullName!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) role!: string | null;
  @ApiProperty({ type: String, nullable: true }) language!: string | null;
  @ApiProperty({ type: String, nullable: true }) systemPrompt!: string | null;
  @ApiProperty({ type: String, nullable: true }) specialInstructions!: string | null;
  @ApiProperty() voiceEnabled!: boolean;
  @ApiProperty({ type: String, enum: [...PIPELINE_MODES, null], nullable: true }) voicePipelineMode!: string | null;
  @ApiProperty() isActive!: boolean;
  @ApiProperty() isPublic!: boolean;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) modelId!: string | null;
  @ApiProperty({ type: [ChatAgentToolDto] }) agentTools!: ChatAgentToolDto[];
  @ApiProperty({ type: [ChatSubAgentRefDto] }) subAgents!: ChatSubAgentRefDto[];
  @ApiProperty(DATE_TIME) createdAt!: string;
  @ApiProperty(DATE_TIME) updatedAt!: string;
}

@ApiSchema({ name: 'ChatAgentList' })
export class ChatAgentListDto {
  @ApiProperty({ type: [ChatAgentDto] }) agents!: ChatAgentDto[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextPageToken!: string | null;
}
