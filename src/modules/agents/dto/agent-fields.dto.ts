import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { schemaRef } from '../../../common/swagger/schema-ref';
import { CheckedBy, RequiredField } from '../../../common/validation/field-rules';
import { MaxJsonBytes } from '../../../common/validation/max-json-bytes.decorator';
import { OptionalButNotNull, OptionalNullable } from '../../../common/validation/presence.decorators';
import { MAX_GRANTS, validateGrants } from '../../access/domain/access-config';
import { notificationConfigErrors } from '../domain/notification-config';
import { validateTrigger } from '../../variation-store/domain/schedule-trigger';
import { WorkflowStructure } from '../../variation-store/domain/variation-content';
import { validateWorkflowGraph } from '../../variation-store/domain/workflow-graph';
import { duplicateToolIds } from '../domain/content-rules';
import { BudgetDto, ConcurrencyDto, JSON_OBJECT_LIMIT, RetryPolicyDto, SubAgentRefDto, ToolRefDto, VoiceDto, WorkflowStructureDto } from '../../variation-store/dto/variation-content.dto';
import { inputSchemaErrors, INPUT_SCHEMA_LIMITS, MAX_MONTHLY_BUDGET_USD, retryErrors } from '../../variation-store/domain/admission-content';

export const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?(-([A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*$/;

/** Only types here: the grant rules (principal format, duplicates) live in validateGrants, checked with them (AgentFieldsDto.accessConfig). */
@ApiSchema({ name: 'Grant' })
export class GrantDto {
  @ApiProperty({ example: 'group:sales', description: '`user:<id>`, `group:<name>` or `apikey:<id>`' }) @IsString() principal!: string;
  @ApiProperty({ enum: ['use', 'manage'], example: 'manage' }) @IsString() access!: 'use' | 'manage';
}

@ApiSchema({ name: 'AccessConfigInput' })
export class AccessConfigInputDto {
  @ApiPropertyOptional({ description: 'Read only: omit it, or send it unchanged; change it through ownership transfer.', example: 'user:user_1' })
  @OptionalButNotNull() @IsString() owner?: string;
  @ApiPropertyOptional({ enum: ['none', 'use', 'manage'], description: 'What every member of the org may do. Kept when omitted.', example: 'use' })
  @OptionalButNotNull() @IsIn(['none', 'use', 'manage']) orgAccess?: 'none' | 'use' | 'manage';
  @ApiPropertyOptional({ type: [GrantDto], maxItems: MAX_GRANTS, description: 'Replaced whole; kept when omitted.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(MAX_GRANTS) @ValidateNested({ each: true }) @Type(() => GrantDto) grants?: GrantDto[];
}

/** The grant rules, when an accessConfig sends grants. */
const grantErrors = (access: unknown, path: string) => {
  const { grants } = access as AccessConfigInputDto;
  return grants ? validateGrants(grants, `${path}.grants`) : [];
};

/**
 * Documentation only: notificationConfig is checked by the notifications domain rules (which report
 * every problem together, in the validation pass: `@CheckedBy`), so these classes carry no validators.
 */
@ApiSchema({ name: 'NotificationEventsInput', description: 'Which run events are sent to Slack; missing keys take their defaults.' })
export class NotificationEventsInputDto {
  @ApiPropertyOptional({ default: true }) actionTaken?: boolean;
  @ApiPropertyOptional({ default: true }) approvalRequired?: boolean;
  @ApiPropertyOptional({ default: true }) outcome?: boolean;
  @ApiPropertyOptional({ default: true }) error?: boolean;
  @ApiPropertyOptional({ default: false, description: 'A daily summary at 09:00 in the schedule\'s time zone.' }) digest?: boolean;
}

/**
 * Every field a client may write into an agent. Absent means "not sent"; `null` is accepted only
 * where the field can be cleared.
 */
@ApiExtraModels(NotificationEventsInputDto)
export class AgentFieldsDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Daily Sales Report v2' })
  @OptionalButNotNull() @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name?: string;

  @ApiPropertyOptional({ enum: ['task', 'workflow'], example: 'task' })
  @OptionalButNotNull() @IsIn(['task', 'workflow']) type?: 'task' | 'workflow';

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, example: 'Generates a daily sales report broken down by region.' })
  @OptionalNullable() @IsString() @MaxLength(2000) description?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    description:
      '`{"type":"schedule","schedule":{"cron":"0 9 * * 1-5","timezone":"Europe/Berlin"}}` is fully validated: `timezone` is an IANA name, and `cron` has five ' +
      'fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-7 or SUN-SAT, 0 and 7 being Sunday), each `*`, a value, ' +
      'a range `a-b` or a comma list of them, where `*` and ranges may take a step `/n` (n from 1 to the field\'s largest value). Nothing else (`L`, `W`, `#`, `?`, `H`, ' +
      'macros such as `@daily`, seconds) is accepted. Other types are stored as given (≤ 16 KiB).',
    type: 'object',
    additionalProperties: true,
    example: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } },
  })
  @OptionalNullable() @IsObject() @CheckedBy(validateTrigger) trigger?: Record<string, unknown> | null;

  @ApiPropertyOptional({ nullable: true, type: 'object', additionalProperties: true, description: 'Stored as given (≤ 64 KiB).', example: null })
  @OptionalNullable() @IsObject() @MaxJsonBytes(JSON_OBJECT_LIMIT) agentSelection?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: WorkflowStructureDto })
  @OptionalButNotNull() @IsObject() @ValidateNested() @Type(() => WorkflowStructureDto) @CheckedBy((graph, path) => validateWorkflowGraph(graph as WorkflowStructure, path))
  workflowStructure?: WorkflowStructureDto;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100000, description: 'The system prompt.', example: 'You are a reporting agent. Summarise yesterday\'s sales by region.' })
  @OptionalNullable() @IsString() @MaxLength(100_000) instructions?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000, example: 'Sales analyst' })
  @OptionalNullable() @IsString() @MaxLength(10_000) role?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'en', description: 'BCP-47 language tag.' })
  @OptionalNullable() @IsString() @Matches(LANGUAGE_TAG, { message: 'language must be a BCP-47 tag such as en or pt-BR' }) language?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000, example: null })
  @OptionalNullable() @IsString() @MaxLength(10_000) specialInstructions?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid', example: null })
  @OptionalNullable() @IsUUID() modelId?: string | null;

  @ApiPropertyOptional({ type: VoiceDto })
  @OptionalButNotNull() @IsObject() @ValidateNested() @Type(() => VoiceDto) voice?: VoiceDto;

  @ApiPropertyOptional({ type: [ToolRefDto], description: 'Replaced whole, never merged; ≤ 128, no duplicate toolId.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(128) @ValidateNested({ each: true }) @Type(() => ToolRefDto) @CheckedBy((tools, path) => duplicateToolIds(tools as ToolRefDto[], path))
  tools?: ToolRefDto[];

  @ApiPropertyOptional({ type: [SubAgentRefDto], description: 'Replaced whole; ≤ 32; `[]` removes all.' })
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(32) @ValidateNested({ each: true }) @Type(() => SubAgentRefDto) subAgents?: SubAgentRefDto[];

  @ApiPropertyOptional({
    // Inline rather than a $ref: OpenAPI 3.0 cannot make a referenced schema nullable.
    type: 'object',
    nullable: true,
    required: ['limit', 'onLimit'],
    properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, example: 2 }, onLimit: { type: 'string', enum: ['queue', 'reject'], example: 'queue' } },
    description:
      'Versioned. At most `limit` runs of the agent claimed or running at once, across every runtime (each run counts under the version it is pinned to). ' +
      '`queue`: the rest wait in order, and a full agent never holds back other agents\' runs; `reject`: a start while the agent has `limit` runs queued, claimed or running is 429 `AGENT_AT_CAPACITY` with `Retry-After`. `null`: no limit.',
    example: { limit: 2, onLimit: 'queue' },
  })
  @OptionalNullable() @IsObject() @ValidateNested() @Type(() => ConcurrencyDto) concurrency?: ConcurrencyDto | null;

  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description:
      `Versioned. A JSON Schema (2020-12) that a run's \`input\` must match when the run starts (else 422 \`RUN_INPUT_INVALID\`); checked to be a valid schema when written. ` +
      `At most ${INPUT_SCHEMA_LIMITS.bytes / 1024} KiB; each \`pattern\` at most ${INPUT_SCHEMA_LIMITS.patternLength} characters and without nested quantifiers such as \`(a+)+\`; no remote \`$ref\`. \`null\`: any input.`,
    example: { type: 'object', required: ['region'], properties: { region: { enum: ['EMEA', 'AMER', 'APAC'] } } },
  })
  @OptionalNullable() @IsObject() @CheckedBy(inputSchemaErrors) inputSchema?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    required: ['maxAttempts', 'backoffSeconds', 'maxBackoffSeconds'],
    properties: {
      maxAttempts: { type: 'integer', minimum: 1, maximum: 10, example: 3 },
      backoffSeconds: { type: 'integer', minimum: 0, maximum: 86400, example: 30 },
      maxBackoffSeconds: { type: 'integer', minimum: 0, maximum: 86400, example: 300 },
    },
    description:
      'Versioned. An `error` event with `retryable: true` sends the run back to the queue for another try (`run.retrying`, `attempt` + 1) after `backoffSeconds`, doubling each retry up to `maxBackoffSeconds`, ' +
      'until `maxAttempts` tries (the first included) were made; then, or without `retryable`, the run fails. A run that reported `outcome` or was cancelled is never retried. `null`: no retries.',
    example: { maxAttempts: 3, backoffSeconds: 30, maxBackoffSeconds: 300 },
  })
  @OptionalNullable() @IsObject() @ValidateNested() @Type(() => RetryPolicyDto) @CheckedBy(retryErrors) retry?: RetryPolicyDto | null;

  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    required: ['monthlyUsd', 'onExceeded'],
    properties: { monthlyUsd: { type: 'number', minimum: 0, maximum: MAX_MONTHLY_BUDGET_USD, example: 500 }, onExceeded: { type: 'string', enum: ['pause', 'notify'], example: 'pause' } },
    description:
      "Versioned; the active version's applies. When the `costUsd` the agent's runs reported this UTC month passes `monthlyUsd`, the event that passed it records `agent.budget_exceeded` " +
      '(once a month) and, with `pause`, pauses the agent (`agent.paused`; resume it by hand). `notify`: the event only. `null`: no budget.',
    example: { monthlyUsd: 500, onExceeded: 'pause' },
  })
  @OptionalNullable() @IsObject() @ValidateNested() @Type(() => BudgetDto) budget?: BudgetDto | null;

  @ApiPropertyOptional({ type: AccessConfigInputDto, description: 'Not versioned: applies at once.' })
  @OptionalButNotNull() @IsObject() @ValidateNested() @Type(() => AccessConfigInputDto)
  @CheckedBy(grantErrors)
  accessConfig?: AccessConfigInputDto;

  @ApiPropertyOptional({
    // Inline rather than a $ref: OpenAPI 3.0 cannot make a referenced schema nullable.
    type: 'object',
    nullable: true,
    required: ['slackChannelId'],
    properties: {
      slackChannelId: {
        type: 'string',
        pattern: '^[CGD][A-Z0-9]{8,20}$',
        example: 'C0123456789',
        description: 'A Slack conversation id; the bot must be a member (`/invite @agentry-bot`).',
      },
      events: schemaRef(NotificationEventsInputDto),
    },
    description: 'Not versioned: applies at once. `null` clears. Setting a channel checks with Slack that the bot is a member.',
    example: null,
  })
  @OptionalNullable() @IsObject() @CheckedBy(notificationConfigErrors) notificationConfig?: Record<string, unknown> | null;
}

@ApiSchema({ name: 'CreateAgentRequest', description: 'A new agent: `name` is required; every other field takes its default when omitted.' })
export class CreateAgentDto extends AgentFieldsDto {
  // AgentFieldsDto's validators let a PATCH leave the name out; a create must send it.
  @ApiProperty({ required: true, minLength: 1, maxLength: 200, example: 'Daily Sales Report' }) @RequiredField() declare name: string;
}

@ApiSchema({ name: 'UpdateAgentRequest', description: 'The fields to write; see the operation for how `updateMask` selects them.' })
export class UpdateAgentDto extends AgentFieldsDto {}

/** Swagger UI sends the first example as it stands, so each one must succeed unedited on a fresh org. */
export const CREATE_AGENT_EXAMPLES: Record<string, { summary: string; value: unknown }> = {
  scheduledTask: {
    summary: 'A task agent that runs every weekday at 09:00 Berlin time',
    value: {
      name: 'Daily Sales Report',
      type: 'task',
      description: 'Generates a daily sales report broken down by region.',
      trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } },
      instructions: "You are a reporting agent. Summarise yesterday's sales by region.",
      role: 'Sales analyst',
      language: 'en',
      voice: { enabled: false, pipelineMode: null },
      tools: [],
      subAgents: [],
      accessConfig: { orgAccess: 'use', grants: [] },
      notificationConfig: null,
    },
  },
  workflow: {
    summary: 'A workflow agent with two steps',
    value: {
      name: 'Lead Enrichment',
      type: 'workflow',
      workflowStructure: {
        nodes: [
          { id: 'fetch', type: 'http', name: 'Fetch leads', position: { x: 0, y: 0 } },
          { id: 'enrich', type: 'llm', name: 'Enrich', config: { temperature: 0.2 }, position: { x: 240, y: 0 } },
        ],
        edges: [{ id: 'fetch-to-enrich', source: 'fetch', target: 'enrich' }],
      },
    },
  },
};

export const UPDATE_AGENT_EXAMPLES: Record<string, { summary: string; value: unknown }> = {
  rename: { summary: 'Rename: only the name changes', value: { name: 'Daily Sales Report v2' } },
  clearDescription: { summary: 'Clear a nullable field with null', value: { description: null } },
  share: { summary: 'Share with a group (applies at once)', value: { accessConfig: { orgAccess: 'use', grants: [{ principal: 'group:sales', access: 'manage' }] } } },
};
