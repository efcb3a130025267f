import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { MAX_CONCURRENCY_LIMIT, MAX_MONTHLY_BUDGET_USD, RETRY_LIMITS } from '../domain/admission-content';
import { IsInt32 } from '../../../common/validation/is-int32.decorator';
import { MaxJsonBytes } from '../../../common/validation/max-json-bytes.decorator';
import { OptionalNullable } from '../../../common/validation/presence.decorators';

/** The JSON size limit of free-form objects inside a variation (node config, tool config, conditions). */
export const JSON_OBJECT_LIMIT = 64 * 1024;

@ApiSchema({ name: 'Position' })
export class PositionDto {
  @ApiProperty({ example: 120 }) @IsNumber() x!: number;
  @ApiProperty({ example: 80 }) @IsNumber() y!: number;
}

@ApiSchema({ name: 'WorkflowNode' })
export class WorkflowNodeDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'fetch' }) @IsString() @Length(1, 200) id!: string;
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'http' }) @IsString() @Length(1, 100) type!: string;
  @ApiPropertyOptional({ maxLength: 200, example: 'Fetch sales' }) @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() @MaxJsonBytes(JSON_OBJECT_LIMIT) config?: Record<string, unknown>;
  @ApiPropertyOptional({ type: PositionDto }) @IsOptional() @ValidateNested() @Type(() => PositionDto) position?: PositionDto;
}

@ApiSchema({ name: 'WorkflowEdge', description: 'An edge between two nodes of the same workflow.' })
export class WorkflowEdgeDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'fetch-to-report' }) @IsOptional() @IsString() @Length(1, 200) id?: string;
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'fetch', description: 'A node id.' }) @IsString() @Length(1, 200) source!: string;
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'fetch', description: 'A node id.' }) @IsString() @Length(1, 200) target!: string;
  @ApiPropertyOptional({ description: 'Opaque condition evaluated by the runtime.' }) @Allow() @MaxJsonBytes(JSON_OBJECT_LIMIT) condition?: unknown;
}

@ApiSchema({ name: 'WorkflowStructure', description: 'Node ids are unique; edges name existing nodes; no cycles.' })
export class WorkflowStructureDto {
  @ApiProperty({ type: [WorkflowNodeDto], maxItems: 500 }) @IsArray() @ValidateNested({ each: true }) @Type(() => WorkflowNodeDto) nodes!: WorkflowNodeDto[];
  @ApiProperty({ type: [WorkflowEdgeDto], maxItems: 2000 }) @IsArray() @ValidateNested({ each: true }) @Type(() => WorkflowEdgeDto) edges!: WorkflowEdgeDto[];
}

@ApiSchema({ name: 'Voice' })
export class VoiceDto {
  @ApiProperty({ example: false }) @IsBoolean() enabled!: boolean;
  @ApiPropertyOptional({ type: String, enum: ['pipeline', 'sts', 'hybrid', null], nullable: true, example: null })
  @OptionalNullable() @IsIn(['pipeline', 'sts', 'hybrid']) pipelineMode?: 'pipeline' | 'sts' | 'hybrid' | null;
}

@ApiSchema({ name: 'ToolRef' })
export class ToolRefDto {
  @ApiProperty({ format: 'uuid', example: '8f0e2c4a-1b3d-4e5f-9a7b-6c5d4e3f2a1b' }) @IsUUID() toolId!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() @MaxJsonBytes(JSON_OBJECT_LIMIT) config?: Record<string, unknown>;
}

@ApiSchema({ name: 'SubAgentRef' })
export class SubAgentRefDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 7, description: 'The numeric id of another agent of the org that you can use.' }) @IsInt32(1) agentId!: number;
}

@ApiSchema({ name: 'Concurrency', description: 'At most `limit` runs of the agent claimed or running at once, across every runtime.' })
export class ConcurrencyDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_CONCURRENCY_LIMIT, example: 2 }) @IsInt() @Min(1) @Max(MAX_CONCURRENCY_LIMIT) limit!: number;
  @ApiProperty({ enum: ['queue', 'reject'], example: 'queue', description: '`queue`: later runs wait their turn; `reject`: a start over the limit is 429 `AGENT_AT_CAPACITY`.' })
  @IsIn(['queue', 'reject'])
  onLimit!: 'queue' | 'reject';
}

@ApiSchema({ name: 'Budget', description: "The agent's spend per UTC month, and what crossing it does." })
export class BudgetDto {
  @ApiProperty({ minimum: 0, maximum: MAX_MONTHLY_BUDGET_USD, example: 500 })
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(MAX_MONTHLY_BUDGET_USD) monthlyUsd!: number;
  @ApiProperty({ enum: ['pause', 'notify'], example: 'pause' }) @IsIn(['pause', 'notify']) onExceeded!: 'pause' | 'notify';
}

@ApiSchema({ name: 'RetryPolicy', description: 'How a run whose runtime reported an `error` with `retryable: true` is tried again.' })
export class RetryPolicyDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: RETRY_LIMITS.maxAttempts, example: 3, description: 'Tries in all, the first included.' })
  @IsInt() @Min(1) @Max(RETRY_LIMITS.maxAttempts) maxAttempts!: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: RETRY_LIMITS.maxBackoffSeconds, example: 30, description: 'Wait before the first retry; each next wait doubles.' })
  @IsInt() @Min(0) @Max(RETRY_LIMITS.maxBackoffSeconds) backoffSeconds!: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: RETRY_LIMITS.maxBackoffSeconds, example: 300, description: 'The longest wait; at least backoffSeconds.' })
  @IsInt() @Min(0) @Max(RETRY_LIMITS.maxBackoffSeconds) maxBackoffSeconds!: number;
}
