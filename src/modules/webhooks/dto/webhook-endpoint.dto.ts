import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { CheckedBy } from '../../../common/validation/field-rules';
import { IsInt32 } from '../../../common/validation/is-int32.decorator';
import { OptionalButNotNull, OptionalNullable } from '../../../common/validation/presence.decorators';
import { MAX_URL_LENGTH, urlProblem } from '../domain/destination';
import { MAX_ENDPOINT_AGENTS, MAX_ENDPOINT_TYPES, typeGlobProblems } from '../domain/endpoint-filter';

const DATE_TIME = { type: String, format: 'date-time' } as const;

// The URL's form is checked here with every other field; https-only (unless WEBHOOKS_ALLOW_PRIVATE)
// and the address it leads to are the service's check, which needs the configuration and the resolver.
const urlRule = (value: unknown, path: string) => {
  const problem = typeof value === 'string' ? urlProblem(value, true) : null;
  return problem ? [{ field: path, message: `${path} ${problem}` }] : [];
};
const typesRule = (value: unknown, path: string) =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? typeGlobProblems(value as string[]).map((problem) => ({ field: path, message: `${path} ${problem}` })) : [];

const URL_PROPERTY: ApiPropertyOptions = { example: 'https://hooks.example.com/agentry', maxLength: MAX_URL_LENGTH, description: 'Where deliveries are POSTed: `https` only, a public address (checked again at every send, on the resolved address).' };
const TYPES_PROPERTY: ApiPropertyOptions = { type: 'array', items: { type: 'string' }, example: ['run.*', 'agent.deployed'], maxItems: MAX_ENDPOINT_TYPES, description: 'Event types or globs of them (`*` is any run of characters, dots included); each must match a known type.' };
const AGENTS_PROPERTY: ApiPropertyOptions = { type: 'array', items: { type: 'integer', minimum: 1 }, nullable: true, maxItems: MAX_ENDPOINT_AGENTS, description: 'Only events of these agents (null or absent: every event of the org, agent-less ones included).' };

@ApiSchema({ name: 'CreateWebhookEndpointRequest' })
export class CreateWebhookEndpointDto {
  @ApiProperty(URL_PROPERTY)
  @IsString() @MaxLength(MAX_URL_LENGTH) @CheckedBy(urlRule)
  url!: string;

  @ApiPropertyOptional({ ...TYPES_PROPERTY, default: ['*'] } as ApiPropertyOptions)
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(MAX_ENDPOINT_TYPES) @IsString({ each: true }) @CheckedBy(typesRule)
  types?: string[];

  @ApiPropertyOptional({ ...AGENTS_PROPERTY, example: null } as ApiPropertyOptions)
  @OptionalNullable() @IsArray() @ArrayMaxSize(MAX_ENDPOINT_AGENTS) @IsInt32(1, { each: true })
  agentIds?: number[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, example: 'Approvals queue' })
  @OptionalNullable() @IsString() @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ default: true, example: true })
  @OptionalButNotNull() @IsBoolean()
  enabled?: boolean;
}

@ApiSchema({ name: 'UpdateWebhookEndpointRequest', description: 'The fields to change; absent ones stay as they are, `null` clears `agentIds` and `description`.' })
export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional(URL_PROPERTY)
  @OptionalButNotNull() @IsString() @MaxLength(MAX_URL_LENGTH) @CheckedBy(urlRule)
  url?: string;

  @ApiPropertyOptional({ ...TYPES_PROPERTY, example: ['run.succeeded', 'run.failed'] } as ApiPropertyOptions)
  @OptionalButNotNull() @IsArray() @ArrayMaxSize(MAX_ENDPOINT_TYPES) @IsString({ each: true }) @CheckedBy(typesRule)
  types?: string[];

  @ApiPropertyOptional(AGENTS_PROPERTY)
  @OptionalNullable() @IsArray() @ArrayMaxSize(MAX_ENDPOINT_AGENTS) @IsInt32(1, { each: true })
  agentIds?: number[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @OptionalNullable() @IsString() @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ description: 'false stops deliveries (pending ones fail); true starts them again with a fresh failure count.' })
  @OptionalButNotNull() @IsBoolean()
  enabled?: boolean;
}

@ApiSchema({ name: 'WebhookEndpoint' })
export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/agentry' }) url!: string;
  @ApiProperty({ type: [String], example: ['run.*'] }) types!: string[];
  @ApiProperty({ type: [Number], nullable: true, example: null }) agentIds!: number[] | null;
  @ApiProperty({ type: String, nullable: true, example: 'Approvals queue' }) description!: string | null;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the endpoint was disabled (410, failures, an admin).' }) disabledReason!: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true, example: null, description: 'Until when the secret replaced by the last rotation still signs beside the current one.' })
  previousSecretExpiresAt!: string | null;
  @ApiProperty(DATE_TIME) createdAt!: string;
  @ApiProperty(DATE_TIME) updatedAt!: string;
}

@ApiSchema({ name: 'WebhookEndpointWithSecret', description: 'An endpoint with its signing secret, shown in this response only.' })
export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({
    required: false,
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (Standard Webhooks form); shown in this response only, never again. Absent when the answer is an `Idempotency-Key` replay (`Idempotent-Replayed: true`): the secret is never stored.',
  })
  secret?: string;
}

@ApiSchema({ name: 'WebhookEndpointList' })
export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) endpoints!: WebhookEndpointDto[];
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export class ListWebhookDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: 'Only deliveries in this status.' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];
}

@ApiSchema({ name: 'WebhookDeliveryTry', description: 'One try: when, what the receiver answered, how long it took.' })
export class WebhookDeliveryTryDto {
  @ApiProperty({ type: 'integer', example: 1 }) try!: number;
  @ApiProperty(DATE_TIME) at!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 200, description: 'null when no answer came.' }) statusCode!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 42 }) latencyMs!: number | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why no answer came (timeout, refused address, connection error).' }) error!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'ok', description: "The first KiB of the receiver's answer." }) responseBody!: string | null;
}

@ApiSchema({ name: 'WebhookDelivery', description: 'One event to one endpoint, and every try of it.' })
export class WebhookDeliveryDto {
  @ApiProperty({ type: 'integer', format: 'int64', example: 42 }) id!: number;
  @ApiProperty({ type: String, nullable: true, example: '000000000000031a0000000000000007', description: 'The event delivered; null for a test event.' }) eventId!: string | null;
  @ApiProperty({ example: 'msg_000000000000031a0000000000000007', description: 'The `webhook-id` header: the same on every try and redelivery.' }) webhookId!: string;
  @ApiProperty({ example: 'run.succeeded' }) type!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'delivered' }) status!: string;
  @ApiProperty({ type: 'integer', example: 1 }) attempts!: number;
  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'When a pending delivery is tried next.' }) nextAttemptAt!: string | null;
  @ApiProperty(DATE_TIME) createdAt!: string;
  @ApiProperty({ ...DATE_TIME, nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: [WebhookDeliveryTryDto] }) tries!: WebhookDeliveryTryDto[];
}

@ApiSchema({ name: 'WebhookDeliveryList' })
export class WebhookDeliveryListDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) deliveries!: WebhookDeliveryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as pageToken for the next (older) page; null on the last one.' }) nextPageToken!: string | null;
}
