import { ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { IsDateTime } from '../../../common/validation/is-date-time.decorator';
import { IsInt32 } from '../../../common/validation/is-int32.decorator';
import { ANY_JSON } from '../../../common/swagger/any-json';
import { MaxJsonBytes } from '../../../common/validation/max-json-bytes.decorator';
import { OptionalButNotNull, RequiredWhen } from '../../../common/validation/presence.decorators';
import { VariationDetailDto } from '../../variation-store/dto/variation-response.dto';
import { USAGE_LIMITS } from '../domain/run-usage';
import { RUN_EVENT_TYPES, RUN_STATUSES, RunEventType, RunStatus } from '../domain/run-status';

/** SPEC §8: a run's input, output and each event's data are JSON of at most 256 KiB. */
export const RUN_JSON_LIMIT = 256 * 1024;
const JSON_VALUE = { ...ANY_JSON, description: 'Any JSON value (≤ 256 KiB).' };
const DATE_TIME = { type: String, format: 'date-time' } as const;

@ApiSchema({ name: 'StartRunRequest' })
export class StartRunDto {
  @ApiPropertyOptional({ ...JSON_VALUE, example: { region: 'EMEA', day: '2026-05-11' } })
  @Allow()
  @MaxJsonBytes(RUN_JSON_LIMIT)
  input?: unknown;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'A published version to run instead of the active one (to try an older version). Not with `environment`.' })
  @OptionalButNotNull()
  @IsInt32(1)
  version?: number;

  @ApiPropertyOptional({ example: 'production', description: 'The environment whose version runs (default `production`), its canary split included. Not with `version`.' })
  @OptionalButNotNull()
  @IsString()
  @Length(1, 31)
  environment?: string;

  @ApiPropertyOptional({
    example: 'customer-1234',
    description: "Routes the run through the environment's canary split by a stable hash of this key: the same key sees the same version while the split stands. Without it, at random.",
  })
  @OptionalButNotNull()
  @IsString()
  @Length(1, 200)
  routingKey?: string;
}

@ApiSchema({ name: 'RunError' })
export class RunErrorDto {
  @ApiProperty({ example: 'upstream_unavailable' }) @IsString() @Length(1, 100) code!: string;
  @ApiProperty({ example: 'The CRM did not answer.' }) @IsString() @MaxLength(10_000) message!: string;
}

@ApiSchema({ name: 'RunUsage', description: 'What the work an event reports cost: tokens (integers, 0 to 2147483647) and dollars (0 to 1000000).' })
export class RunUsageDto {
  @ApiProperty({ example: 'gpt-4o', minLength: 1, maxLength: USAGE_LIMITS.modelLength }) @IsString() @Length(1, USAGE_LIMITS.modelLength) model!: string;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: USAGE_LIMITS.maxTokens, example: 1200 }) @IsInt32(0) inputTokens!: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: USAGE_LIMITS.maxTokens, example: 350 }) @IsInt32(0) outputTokens!: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: USAGE_LIMITS.maxTokens, example: 800, description: 'Of the input tokens, those served from the cache.' }) @IsInt32(0) cachedTokens!: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: USAGE_LIMITS.maxTokens, example: 0 }) @IsInt32(0) reasoningTokens!: number;
  @ApiProperty({ minimum: 0, maximum: USAGE_LIMITS.maxCostUsd, example: 0.0123, description: 'Stored to the micro-dollar.' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(USAGE_LIMITS.maxCostUsd)
  costUsd!: number;
}

@ApiSchema({ name: 'RunUsageTotals', description: "The sums of the usage a run's events reported." })
export class RunUsageTotalsDto {
  @ApiProperty({ type: 'integer', example: 1200 }) inputTokens!: number;
  @ApiProperty({ type: 'integer', example: 350 }) outputTokens!: number;
  @ApiProperty({ type: 'integer', example: 800 }) cachedTokens!: number;
  @ApiProperty({ type: 'integer', example: 0 }) reasoningTokens!: number;
  @ApiProperty({ example: 0.0123 }) costUsd!: number;
}

/** What the runtime reports, as validated; the document shows it as RUN_EVENT_REQUEST_SCHEMA, one shape per `type`. */
export class RunEventDto {
  @ApiProperty({ enum: RUN_EVENT_TYPES, example: 'action_taken' })
  @IsIn(RUN_EVENT_TYPES)
  type!: RunEventType;

  @ApiPropertyOptional({ example: 'Fetched 42 orders from the CRM.' })
  @OptionalButNotNull()
  @IsString()
  @MaxLength(10_000)
  message?: string;

  @ApiPropertyOptional({ ...JSON_VALUE, example: { orders: 42 } })
  @Allow()
  @MaxJsonBytes(RUN_JSON_LIMIT)
  data?: unknown;

  @ApiPropertyOptional({ ...ANY_JSON, description: 'The run\'s result; with `outcome`. Any JSON value (≤ 256 KiB).', example: { report: 'EMEA sales up 4%' } })
  @RequiredWhen((event: RunEventDto) => event.type === 'outcome', "an outcome carries the run's output")
  @Allow()
  @MaxJsonBytes(RUN_JSON_LIMIT)
  output?: unknown;

  @ApiPropertyOptional({
    example: true,
    description:
      'With `error`: the failure may pass if tried again (a model timeout, a rate limit). When the pinned version has a `retry` policy with tries left, the run goes back to the queue ' +
      '(`run.retrying`, `attempt` + 1) after the backoff instead of failing. Ignored with other types.',
  })
  @OptionalButNotNull()
  @IsBoolean()
  retryable?: boolean;

  @ApiPropertyOptional({ type: RunErrorDto, description: 'Why the run failed; with `error`.' })
  @RequiredWhen((event: RunEventDto) => event.type === 'error', 'an error event carries {code, message}')
  @IsObject()
  @ValidateNested()
  @Type(() => RunErrorDto)
  error?: RunErrorDto;

  @ApiPropertyOptional({
    type: RunUsageDto,
    description:
      "With `action_taken` or `outcome`: what the reported work cost. Summed on the run (`usage`), reported by `GET /api/v1/usage`, and counted against the agent's monthly `budget`. Ignored with other types.",
  })
  @OptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => RunUsageDto)
  usage?: RunUsageDto;
}

/** The fields every reported event may carry. */
class RunEventCommonDoc {
  @ApiPropertyOptional({ example: 'Fetched 42 orders from the CRM.', maxLength: 10_000 }) message?: string;
  @ApiPropertyOptional({ ...JSON_VALUE, example: { orders: 42 } }) data?: unknown;
}

@ApiSchema({ name: 'RunStartedEvent', description: 'The runtime began executing the claimed run (queued → running). Actions may not be repeated from here on.' })
export class RunStartedEventDoc extends RunEventCommonDoc {
  @ApiProperty({ enum: ['started'] }) type!: 'started';
}

@ApiSchema({ name: 'RunActionTakenEvent', description: 'A step the runtime took (running → running).' })
export class RunActionTakenEventDoc extends RunEventCommonDoc {
  @ApiProperty({ enum: ['action_taken'] }) type!: 'action_taken';
  @ApiPropertyOptional({
    type: RunUsageDto,
    description: "What the reported work cost. Summed on the run (`usage`), reported by `GET /api/v1/usage`, and counted against the agent's monthly `budget`.",
  })
  usage?: RunUsageDto;
}

@ApiSchema({ name: 'RunApprovalRequiredEvent', description: 'What needs approving, in `message` and `data` (running → awaiting_approval).' })
export class RunApprovalRequiredEventDoc extends RunEventCommonDoc {
  @ApiProperty({ enum: ['approval_required'] }) type!: 'approval_required';
}

@ApiSchema({ name: 'RunOutcomeEvent', description: "The run's result (running → succeeded)." })
export class RunOutcomeEventDoc extends RunEventCommonDoc {
  @ApiProperty({ enum: ['outcome'] }) type!: 'outcome';
  @ApiProperty({ ...ANY_JSON, description: "The run's result. Any JSON value (≤ 256 KiB).", example: { report: 'EMEA sales up 4%' } }) output!: unknown;
  @ApiPropertyOptional({
    type: RunUsageDto,
    description: "What the reported work cost. Summed on the run (`usage`), reported by `GET /api/v1/usage`, and counted against the agent's monthly `budget`.",
  })
  usage?: RunUsageDto;
}

@ApiSchema({ name: 'RunErrorEvent', description: 'Why the run failed (queued or running → failed).' })
export class RunErrorEventDoc extends RunEventCommonDoc {
  @ApiProperty({ enum: ['error'] }) type!: 'error';
  @ApiProperty({ type: RunErrorDto }) error!: RunErrorDto;
}

const RUN_EVENT_VARIANTS = {
  started: RunStartedEventDoc,
  action_taken: RunActionTakenEventDoc,
  approval_required: RunApprovalRequiredEventDoc,
  outcome: RunOutcomeEventDoc,
  error: RunErrorEventDoc,
} satisfies Record<RunEventType, unknown>;

/** A reported event as the document shows it: one shape per `type`, so a generated client refuses `{type: 'outcome'}` without `output`. */
export const RUN_EVENT_EXTRA_MODELS = Object.values(RUN_EVENT_VARIANTS);
export const RUN_EVENT_REQUEST_SCHEMA = {
  description: 'What the runtime reports: one shape per `type`. `outcome` needs `output`; `error` needs `error`.',
  oneOf: RUN_EVENT_EXTRA_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
  discriminator: { propertyName: 'type', mapping: Object.fromEntries(Object.entries(RUN_EVENT_VARIANTS).map(([type, model]) => [type, getSchemaPath(model)])) },
};

@ApiSchema({ name: 'RunDecisionRequest' })
export class RunDecisionDto {
  @ApiPropertyOptional({ example: 'Looks right; go ahead.' })
  @OptionalButNotNull()
  @IsString()
  @MaxLength(10_000)
  comment?: string;
}

@ApiSchema({ name: 'ClaimRunRequest' })
export class ClaimRunDto {
  @ApiPropertyOptional({ type: 'integer', isArray: true, minimum: 1, description: 'Only runs of these agents (numeric ids).' })
  @OptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @IsInt32(1, { each: true })
  agentIds?: number[];

  @ApiPropertyOptional({ enum: ['task', 'workflow'], isArray: true, description: 'Only runs of these agent types.' })
  @OptionalButNotNull()
  @IsArray()
  @IsIn(['task', 'workflow'], { each: true })
  types?: ('task' | 'workflow')[];

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 30, default: 0, description: 'How long to wait for a run when none is queued (long poll).' })
  @OptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(30)
  waitSeconds?: number;
}

export class ListRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: RunStatus;
  @ApiPropertyOptional({ enum: ['manual', 'schedule'] }) @IsOptional() @IsIn(['manual', 'schedule']) trigger?: 'manual' | 'schedule';
  @ApiPropertyOptional({ ...DATE_TIME, description: 'Only runs created strictly after this instant (RFC 3339, zone required): a run whose `createdAt` equals it is excluded.' }) @IsOptional() @IsDateTime() createdAfter?: string;
  @ApiPropertyOptional({ ...DATE_TIME, description: 'Only runs created strictly before this instant (RFC 3339, zone required).' }) @IsOptional() @IsDateTime() createdBefore?: string;
}

@ApiSchema({ name: 'RunApproval' })
export class RunApprovalDto {
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) state!: 'pending' | 'approved' | 'rejected';
  @ApiProperty({ type: String, nullable: true, example: 'Send the report to 1,200 customers?' }) message!: string | null;
  @ApiProperty({ ...JSON_VALUE, example: null }) data!: unknown;
  @ApiProperty({ type: String, nullable: true, example: 'user:alice' }) decidedBy!: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true, example: null }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) comment!: string | null;
}

@ApiSchema({ name: 'RunEvent' })
export class RunEventResponseDto {
  @ApiProperty({ type: 'integer', example: 1 }) seq!: number;
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    example: 1,
    description: "On the events of a run that was retried: the run's attempt when the event was written (a `retrying` event opens the next one); null on events written before attempts were recorded.",
  })
  attempt?: number | null;
  @ApiProperty({ example: 'started', description: 'A runtime event type, or one Agentry records: approved, rejected, cancelled, lease_expired, claim_revoked, retrying.' }) type!: string;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
  @ApiProperty({ ...JSON_VALUE, example: null }) data!: unknown;
  @ApiProperty({ ...DATE_TIME }) at!: string;
}

@ApiSchema({ name: 'Run' })
export class RunResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer', example: 42 }) agentId!: number;
  @ApiProperty({ format: 'uuid' }) variationId!: string;
  @ApiProperty({ type: 'integer', example: 3, description: 'The version the run is pinned to.' }) variationVersion!: number;
  @ApiProperty({ type: String, nullable: true, example: 'production', description: 'The environment it was started on; null when a version was asked for by number (or for a run from before environments).' }) environment!: string | null;
  @ApiProperty({ type: String, enum: ['primary', 'canary'], nullable: true, example: 'primary', description: "Which side of the environment's canary split it went to." }) routedTo!: 'primary' | 'canary' | null;
  @ApiProperty({ enum: RUN_STATUSES, example: 'queued' }) status!: RunStatus;
  @ApiProperty({ enum: ['manual', 'schedule'] }) trigger!: 'manual' | 'schedule';
  @ApiProperty({ ...DATE_TIME, nullable: true, example: null, description: 'The schedule tick that created the run.' }) scheduledFor!: string | null;
  @ApiProperty({ ...JSON_VALUE }) input!: unknown;
  @ApiProperty({ ...JSON_VALUE, example: null }) output!: unknown;
  @ApiProperty({ type: RunErrorDto, nullable: true }) error!: RunErrorDto | null;
  @ApiProperty({ type: RunApprovalDto, nullable: true }) approval!: RunApprovalDto | null;
  @ApiProperty({ type: 'integer', example: 1, description: 'Which claim of the run this is (a lapsed claim puts it back in the queue).' }) attempt!: number;
  @ApiProperty({ example: 'user:alice' }) createdBy!: string;
  @ApiProperty({ ...DATE_TIME }) createdAt!: string;
  @ApiProperty({ ...DATE_TIME, nullable: true, example: null }) claimedAt!: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true, example: null }) startedAt!: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true, example: null }) finishedAt!: string | null;
  @ApiPropertyOptional({ type: [RunEventResponseDto], description: 'On the single-run view only, oldest first.' }) events?: RunEventResponseDto[];
  @ApiPropertyOptional({ format: 'uuid', description: 'On a replay only: the run it repeats (`POST /runs/{runId}/replay`).' })
  replayOf?: string;
  @ApiProperty({ type: RunUsageTotalsDto, nullable: true, description: "The sums of the `usage` its `action_taken` and `outcome` events reported; null when none did." })
  usage!: RunUsageTotalsDto | null;
}

@ApiSchema({ name: 'RunList' })
export class RunListResponseDto {
  @ApiProperty({ type: [RunResponseDto] }) runs!: RunResponseDto[];
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Pass it as `pageToken` for the next page; null on the last page.' }) nextPageToken!: string | null;
}

@ApiSchema({ name: 'ClaimedAgent' })
export class ClaimedAgentDto {
  @ApiProperty({ type: 'integer', example: 42 }) id!: number;
  @ApiProperty({ format: 'uuid' }) uid!: string;
  @ApiProperty({ example: 'Daily Sales Report' }) name!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) type!: 'task' | 'workflow';
}

@ApiSchema({ name: 'RunLease' })
export class RunLeaseDto {
  @ApiProperty({ ...DATE_TIME, description: 'Report `started` (or a heartbeat) before this, or the run goes back to the queue.' }) expiresAt!: string;
}

@ApiSchema({ name: 'ClaimedRun', description: 'A run handed to this runtime, with everything needed to execute it.' })
export class ClaimedRunDto {
  @ApiProperty({ type: RunResponseDto }) run!: RunResponseDto;
  @ApiProperty({ type: ClaimedAgentDto }) agent!: ClaimedAgentDto;
  @ApiProperty({ type: VariationDetailDto, description: 'The pinned variation, whole.' }) variation!: VariationDetailDto;
  @ApiProperty({ type: RunLeaseDto }) lease!: RunLeaseDto;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The W3C trace context of the request that created the run (null when the service did not trace it). Send it as the `traceparent` header on ' +
      'your requests for this run (events, heartbeats), and start your own spans under it, so they join the trace that `POST /runs` began.',
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  })
  traceparent!: string | null;
}

@ApiSchema({ name: 'ReplayRunRequest', description: 'What to change in the replay; everything left out is the original run\'s.' })
export class ReplayRunDto {
  @ApiPropertyOptional({ ...JSON_VALUE, description: "The new run's input; the original's when left out (`null` is an input too).", example: { region: 'EMEA', day: '2026-05-12' } })
  @Allow()
  @MaxJsonBytes(RUN_JSON_LIMIT)
  input?: unknown;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: "A published version to run; the original run's version when neither this nor `environment` is given. Not with `environment`." })
  @OptionalButNotNull()
  @IsInt32(1)
  version?: number;

  @ApiPropertyOptional({ example: 'staging', description: 'Run what this environment runs now (its canary split included) instead of the original version. Not with `version`.' })
  @OptionalButNotNull()
  @IsString()
  @Length(1, 31)
  environment?: string;

  @ApiPropertyOptional({ example: 'customer-1234', description: "With `environment`: routes the replay through the environment's canary split by this key, as a start does." })
  @OptionalButNotNull()
  @IsString()
  @Length(1, 200)
  routingKey?: string;
}

/** The statuses a bulk cancel may name: every status a run can be cancelled from. */
export const CANCELLABLE_STATUSES = ['queued', 'running', 'awaiting_approval'] as const;

@ApiSchema({ name: 'CancelRunsRequest', description: 'Which runs of the agent to cancel; `status` must name at least one status.' })
export class CancelRunsDto {
  @ApiProperty({ type: [String], enum: CANCELLABLE_STATUSES, minItems: 1, example: ['queued', 'awaiting_approval'] })
  @IsArray()
  @ArrayMinSize(1, { message: 'status must name at least one status: an empty filter would cancel nothing (or, read loosely, everything)' })
  @ArrayMaxSize(3)
  @IsIn(CANCELLABLE_STATUSES, { each: true })
  status!: (typeof CANCELLABLE_STATUSES)[number][];

  @ApiPropertyOptional({ ...DATE_TIME, description: 'Only runs created before this instant (exclusive, RFC 3339).', example: '2026-05-11T09:00:00Z' })
  @OptionalButNotNull()
  @IsDateTime()
  createdBefore?: string;
}

@ApiSchema({ name: 'CancelRunsResponse' })
export class CancelRunsResponseDto {
  @ApiProperty({ type: 'integer', example: 12, description: 'How many runs were cancelled.' }) cancelled!: number;
}
