import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { CheckedBy } from '../../../common/validation/field-rules';
import { OptionalButNotNull, OptionalNullable } from '../../../common/validation/presence.decorators';
import { seedNotificationConfigErrors } from '../seed-notification-config';

const DATE_TIME = { type: String, format: 'date-time', example: '2026-03-20T10:00:00.000Z' } as const;
const EVENTS_EXAMPLE = { action_taken: true, approval_required: true, outcome: true, error: true, digest: false };

/** Seed 002's body: snake_case, all optional; only the fields sent are written, and the write goes live. */
@ApiSchema({ name: 'ApiAgentUpdateRequest' })
export class ApiAgentUpdateDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 128, example: 'Collections Agent' })
  @OptionalButNotNull() @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(128) name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, example: 'Follows up on overdue invoices via email' })
  @OptionalNullable() @IsString() @MaxLength(2000) description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100000, example: 'You are a collections agent.' })
  @OptionalNullable() @IsString() @MaxLength(100_000) instructions?: string | null;

  @ApiPropertyOptional({ enum: ['draft', 'active', 'paused'], description: '`active` publishes and resumes; `paused` pauses; `draft` only before the first deploy.' })
  @OptionalButNotNull() @IsIn(['draft', 'active', 'paused']) status?: 'draft' | 'active' | 'paused';

  @ApiPropertyOptional({
    // Inline rather than a $ref: OpenAPI 3.0 cannot make a referenced schema nullable.
    type: 'object',
    nullable: true,
    required: ['slack_channel_id'],
    properties: {
      slack_channel_id: { type: 'string', example: 'C0123456789', description: 'The bot must be a member of the channel (`/invite` it first).' },
      events: {
        type: 'object',
        description: 'Missing keys take their defaults (all true but digest).',
        properties: {
          action_taken: { type: 'boolean' },
          approval_required: { type: 'boolean' },
          outcome: { type: 'boolean' },
          error: { type: 'boolean' },
          digest: { type: 'boolean' },
        },
      },
    },
    description: 'Slack notification settings; `null` clears them.',
    example: { slack_channel_id: 'C0123456789', events: EVENTS_EXAMPLE },
  })
  @OptionalNullable() @IsObject() @CheckedBy(seedNotificationConfigErrors) notification_config?: Record<string, unknown> | null;
}

@ApiSchema({ name: 'ApiAgent', description: 'An agent as seed 002 shows it: its live (deployed) content.' })
export class ApiAgentDto {
  @ApiProperty({ format: 'uuid' }) uid!: string;
  @ApiProperty({ format: 'uuid' }) organization_uid!: string;
  @ApiProperty({ enum: ['task', 'workflow'] }) agent_type!: string;
  @ApiProperty({ example: 'Collections Agent' }) name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) instructions!: string | null;
  @ApiProperty({ enum: ['draft', 'active', 'paused', 'deleted'] }) status!: string;
  @ApiProperty({ example: 'user:alice' }) created_by_uid!: string;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, example: { slack_channel_id: 'C0123456789', events: EVENTS_EXAMPLE } })
  notification_config!: Record<string, unknown> | null;
  @ApiProperty({ type: 'integer', example: 12 }) runs_count!: number;
  @ApiProperty(DATE_TIME) created_on!: string;
  @ApiProperty(DATE_TIME) updated_on!: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) triggers!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, example: [{ tool_id: '8f0e2c4a-1b3d-4e5f-9a7b-6c5d4e3f2a1b', config: {} }] })
  tools!: Record<string, unknown>[];
}

@ApiSchema({ name: 'ApiAgentEnvelope', description: 'Every answer of these routes, success or error, is this envelope.' })
export class ApiAgentEnvelopeDto {
  @ApiProperty({ enum: ['success'] }) status!: 'success';
  @ApiProperty({ type: 'integer', example: 200 }) status_code!: number;
  @ApiProperty({ example: 'Agent updated' }) message!: string;
  @ApiProperty({ type: ApiAgentDto }) data!: ApiAgentDto;
}

@ApiSchema({ name: 'ApiAgentListEnvelope' })
export class ApiAgentListEnvelopeDto {
  @ApiProperty({ enum: ['success'] }) status!: 'success';
  @ApiProperty({ type: 'integer', example: 200 }) status_code!: number;
  @ApiProperty({ example: 'Agents retrieved' }) message!: string;
  @ApiProperty({ type: [ApiAgentDto] }) data!: ApiAgentDto[];
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Pass it as `page_token` for the next page.' }) next_page_token!: string | null;
}

@ApiSchema({ name: 'ApiErrorEnvelope', description: 'Every error of these routes, including those raised before the route runs (malformed JSON, 413, 415, unknown paths, 401).' })
export class ApiErrorEnvelopeDto {
  @ApiProperty({ enum: ['error'] }) status!: 'error';
  @ApiProperty({ type: 'integer', example: 422 }) status_code!: number;
  @ApiProperty({ example: 'The Slack bot is not in channel C0123456789: type /invite @agentry-bot in that channel, then retry.' }) message!: string;
  @ApiProperty({ type: 'object', additionalProperties: false, nullable: true, example: null, description: 'Always null on an error: every answer of these routes has `data`.' })
  data!: null;
  @ApiPropertyOptional({
    type: 'array',
    description: 'With status_code 400: one entry per offending field, named by its snake_case path (e.g. `notification_config.slack_channel_id`).',
    items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
  })
  errors?: { field: string; message: string }[];
  @ApiProperty({ example: 'NOTIFICATION_CHANNEL_NOT_JOINED' }) code!: string;
  @ApiProperty({ example: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11' }) request_id!: string;
}
