import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, ValidateBy } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { IsInt32 } from '../../../common/validation/is-int32.decorator';
import { ACTOR_KINDS, ActorKind } from '../domain/event';
import { parseTypeGlobs } from '../domain/event-glob';
import { decodeEventId, decodePageCursor } from '../domain/event-position';
import { EVENT_TYPE_NAMES, EventType } from '../domain/event-types';

const DATE_TIME = { type: String, format: 'date-time' } as const;

/** Comma-separated event types or globs, each matching at least one type. */
const IsTypeGlobs = () =>
  ValidateBy({
    name: 'isTypeGlobs',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && 'types' in parseTypeGlobs(value),
      defaultMessage: (args) => {
        const parsed = typeof args?.value === 'string' ? parseTypeGlobs(args.value) : { problem: 'must be a string' };
        return `${args?.property}: ${'problem' in parsed ? parsed.problem : ''}`;
      },
    },
  });

/** An event `id` as this service issues them. */
const IsEventId = () =>
  ValidateBy({
    name: 'isEventId',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeEventId(value) !== null,
      defaultMessage: (args) => `${args?.property} must be the id of an event (32 hexadecimal digits, as an event's \`id\` shows it)`,
    },
  });

const IsEventPageToken = () =>
  ValidateBy({
    name: 'isEventPageToken',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodePageCursor(value) !== null,
      defaultMessage: () => 'pageToken is not one this service issued',
    },
  });

const TYPES_DESCRIPTION = 'Event types, comma-separated; `*` stands for any characters (`run.*`, `agent.ownership_transfer.*`). Each must match a type.';
const AFTER_DESCRIPTION = "Only events after this event `id` (exclusive): resume from the last event you saw.";

export class ListEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: TYPES_DESCRIPTION }) @IsOptional() @IsString() @MaxLength(2000) @IsTypeGlobs() type?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: "Only this agent's events (its numeric id)." }) @IsOptional() @Type(() => Number) @IsInt32(1) agentId?: number;
  @ApiPropertyOptional({ format: 'uuid', description: "Only this run's events." }) @IsOptional() @IsUUID() runId?: string;
  @ApiPropertyOptional({ description: 'Only events caused by this subject (`user:alice`, `apikey:<id>`, `system`).' }) @IsOptional() @IsString() @MaxLength(300) actor?: string;
  @ApiPropertyOptional({ description: AFTER_DESCRIPTION }) @IsOptional() @IsString() @IsEventId() after?: string;
  @ApiPropertyOptional({ description: 'Only events before this event `id` (exclusive).' }) @IsOptional() @IsString() @IsEventId() before?: string;
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc', description: '`desc`: newest first; `asc`: oldest first (to follow the log with `after`).' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
  @ApiPropertyOptional({ description: "A previous answer's `nextPageToken` or `previousPageToken`; send the same filters with it." })
  @IsOptional()
  @IsEventPageToken()
  override pageToken?: string = undefined;
}

export class EventStreamQueryDto {
  @ApiPropertyOptional({ description: TYPES_DESCRIPTION }) @IsOptional() @IsString() @MaxLength(2000) @IsTypeGlobs() types?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: "Only this agent's events (its numeric id); the stream ends if you can no longer use it." })
  @IsOptional()
  @Type(() => Number)
  @IsInt32(1)
  agentId?: number;
  @ApiPropertyOptional({ description: `${AFTER_DESCRIPTION} \`Last-Event-ID\` wins when both are sent. Without either the stream starts now.` })
  @IsOptional()
  @IsString()
  @IsEventId()
  after?: string;
}

export class RunStreamQueryDto {
  @ApiPropertyOptional({ description: `${AFTER_DESCRIPTION} \`Last-Event-ID\` wins when both are sent. Without either the run's events are replayed from its first.` })
  @IsOptional()
  @IsString()
  @IsEventId()
  after?: string;
}

@ApiSchema({ name: 'EventActor', description: 'Who caused the event.' })
export class EventActorDto {
  @ApiProperty({ example: 'user:alice', description: '`user:<sub>`, `apikey:<id>`, or `system` for background work (sweeps, timeouts, schedules).' }) subject!: string;
  @ApiProperty({ enum: ACTOR_KINDS, example: 'user' }) kind!: ActorKind;
}

@ApiSchema({ name: 'Event', description: 'One entry of the event log (SPEC §13).' })
export class EventResponseDto {
  @ApiProperty({ example: '00000000000003e90000000000000007', description: 'Opaque cursor: pass it as `after`, `before` or `Last-Event-ID`. Ids sort as strings in log order.' }) id!: string;
  @ApiProperty({ enum: EVENT_TYPE_NAMES, example: 'run.started' }) type!: EventType;
  @ApiProperty({ ...DATE_TIME, example: '2026-05-11T09:00:02.345Z', description: 'When the transaction that wrote it began.' }) at!: string;
  @ApiProperty({ format: 'uuid', example: '00000000-0000-0000-0000-000000000001' }) orgId!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 42 }) agentId!: number | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: '3f1c6a52-8c7e-4d5b-9a0e-1b2c3d4e5f60' }) runId!: string | null;
  @ApiProperty({ type: EventActorDto }) actor!: EventActorDto;
  @ApiProperty({ type: String, nullable: true, example: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11', description: 'The X-Request-Id of the request that caused it; null for background work.' })
  requestId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: {}, description: "The event's details; never a secret." }) data!: Record<string, unknown>;
}

@ApiSchema({ name: 'EventList' })
export class EventListResponseDto {
  @ApiProperty({ type: [EventResponseDto] }) events!: EventResponseDto[];
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Pass it as `pageToken` for the page after this one, in the same order; null when there is none yet.' })
  nextPageToken!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Pass it as `pageToken` for the page before this one; null on the first page.' })
  previousPageToken!: string | null;
}
