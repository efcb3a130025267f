import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MaxJsonBytes } from '../../../common/validation/max-json-bytes.decorator';
import { OptionalButNotNull, OptionalNullable } from '../../../common/validation/presence.decorators';
import { MAX_GRANTS } from '../../access/domain/access-config';

const BCP47 = /^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?(-([A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*$/;
const JSON_OBJECT_LIMIT = 64 * 1024;

class PositionDto {
  @ApiProperty() @IsNumber() x!: number;
  @ApiProperty() @IsNumber() y!: number;
}

export class WorkflowNodeDto {
  @ApiProperty({ example: 'fetch' }) @IsString() @Length(1, 200) id!: string;
  @ApiProperty({ example: 'http' }) @IsString() @Length(1, 100) type!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() @MaxJsonBytes(JSON_OBJECT_LIMIT) config?: Record<string, unknown>;
  @ApiPropertyOptional({ type: PositionDto }) @IsOptional() @ValidateNested() @Type(() => PositionDto) position?: PositionDto;
}

export class WorkflowEdgeDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) id?: string;
  @ApiProperty({ example: 'fetch' }) @IsString() @Length(1, 200) source!: string;
  @ApiProperty({ example: 'report' }) @IsString() @Length(1, 200) target!: string;
  @ApiPropertyOptional({ description: 'Opaque condition evaluated by the runtime.' }) @Allow() @MaxJsonBytes(JSON_OBJECT_LIMIT) condition?: unknown;
}

export class WorkflowStructureDto {
  @ApiProperty({ type: [WorkflowNodeDto] }) @IsArray() @ValidateNested({ each: true }) @Type(() => WorkflowNodeDto) nodes!: WorkflowNodeDto[];
  @ApiProperty({ type: [WorkflowEdgeDto] }) @IsArray() @ValidateNested({ each: true }) @Type(() => WorkflowEdgeDto) edges!: WorkflowEdgeDto[];
}

export class VoiceDto {
  @ApiProperty() @IsBoolean() enabled!: boolean;
  @ApiPropertyOptional({ enum: ['pipeline', 'sts', 'hybrid'], nullable: true })
  @OptionalNullable() @IsIn(['pipeline', 'sts', 'hybrid']) pipelineMode?: 'pipeline' | 'sts' | 'hybrid' | null;
}

export class ToolRefDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() toolId!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() @MaxJsonBytes(JSON_OBJECT_LIMIT) config?: Record<string, unknown>;
}

export class SubAgentRefDto {
  @ApiProperty({ example: 7 }) @IsInt() @Min(1) agentId!: number;
}

/** Only types here: the grant rules (principal format, duplicates) live in validateGrants, so all are reported together. */
export class GrantDto {
  @ApiProperty({ example: 'group:sales', description: '`user:<id>`, `group:<name>` or `apikey:<id>`' }) @IsString() principal!: string;
  @ApiProperty({ enum: ['use', 'manage'] }) @IsString() access!: 'use' | 'manage';
}

export class AccessConfigInputDto {
  @ApiPropertyOptional({ description: 'Read only: may be sent unchanged; change it through ownership transfer.' })
  @OptionalButNotNull() @IsString() owner?: string;
  @ApiPropertyOptional({ enum: ['none', 'use', 'manage'], description: 'Kept when omitted.' })
  @OptionalButNotNull() @IsIn(['none', 'use', 'manage']) orgAccess?: 'none' | 'use' | 'manage';
  @ApiPropertyOptional({ type: [GrantDto], description: 'Replaced whole; kept when omitted.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(MAX_GRANTS) @ValidateNested({ each: true }) @Type(() => GrantDto) grants?: GrantDto[];
}

/**
 * Every field a client may write into an agent. Absent means "not sent"; `null` is accepted only
 * where the field can be cleared.
 */
export class AgentFieldsDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Daily Sales Report v2' })
  @OptionalButNotNull() @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name?: string;

  @ApiPropertyOptional({ enum: ['task', 'workflow'], example: 'task' })
  @OptionalButNotNull() @IsIn(['task', 'workflow']) type?: 'task' | 'workflow';

  @ApiPropertyOptional({ nullable: true, maxLength: 2000, example: 'Generates a daily sales report broken down by region.' })
  @OptionalNullable() @IsString() @MaxLength(2000) description?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    description: '`{"type":"schedule","schedule":{"cron":"0 9 * * 1-5","timezone":"Europe/Berlin"}}` is fully validated; other types are stored as given (≤ 16 KiB).',
    type: 'object',
    additionalProperties: true,
    example: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } },
  })
  @OptionalNullable() @IsObject() trigger?: Record<string, unknown> | null;

  @ApiPropertyOptional({ nullable: true, type: 'object', additionalProperties: true, description: 'Stored as given (≤ 64 KiB).' })
  @OptionalNullable() @IsObject() @MaxJsonBytes(JSON_OBJECT_LIMIT) agentSelection?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: WorkflowStructureDto })
  @OptionalButNotNull() @IsObject() @ValidateNested() @Type(() => WorkflowStructureDto) workflowStructure?: WorkflowStructureDto;

  @ApiPropertyOptional({ nullable: true, maxLength: 100000, description: 'The system prompt.' })
  @OptionalNullable() @IsString() @MaxLength(100_000) instructions?: string | null;

  @ApiPropertyOptional({ nullable: true, maxLength: 10000, example: 'Sales analyst' })
  @OptionalNullable() @IsString() @MaxLength(10_000) role?: string | null;

  @ApiPropertyOptional({ nullable: true, example: 'en', description: 'BCP-47 language tag.' })
  @OptionalNullable() @IsString() @Matches(BCP47, { message: 'language must be a BCP-47 tag such as en or pt-BR' }) language?: string | null;

  @ApiPropertyOptional({ nullable: true, maxLength: 10000 })
  @OptionalNullable() @IsString() @MaxLength(10_000) specialInstructions?: string | null;

  @ApiPropertyOptional({ nullable: true, format: 'uuid' })
  @OptionalNullable() @IsUUID() modelId?: string | null;

  @ApiPropertyOptional({ type: VoiceDto })
  @OptionalButNotNull() @IsObject() @ValidateNested() @Type(() => VoiceDto) voice?: VoiceDto;

  @ApiPropertyOptional({ type: [ToolRefDto], description: 'Replaced whole, never merged; ≤ 128, no duplicate toolId.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(128) @ValidateNested({ each: true }) @Type(() => ToolRefDto) tools?: ToolRefDto[];

  @ApiPropertyOptional({ type: [SubAgentRefDto], description: 'Replaced whole; ≤ 32; `[]` removes all.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(32) @ValidateNested({ each: true }) @Type(() => SubAgentRefDto) subAgents?: SubAgentRefDto[];

  @ApiPropertyOptional({ type: AccessConfigInputDto, description: 'Not versioned: applies at once.' })
  @OptionalButNotNull() @IsObject() @ValidateNested() @Type(() => AccessConfigInputDto) accessConfig?: AccessConfigInputDto;

  @ApiPropertyOptional({
    nullable: true,
    description: 'Not versioned: applies at once. `null` clears. Setting a channel checks with Slack that the bot is a member.',
    example: { slackChannelId: 'C0123456789', events: { actionTaken: true, approvalRequired: true, outcome: true, error: true, digest: false } },
  })
  @OptionalNullable() @IsObject() notificationConfig?: Record<string, unknown> | null;
}

export class CreateAgentDto extends AgentFieldsDto {}

export class UpdateAgentDto extends AgentFieldsDto {}
