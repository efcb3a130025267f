import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import {
  CreateWebhookEndpointDto,
  ListWebhookDeliveriesQueryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookDeliveryListDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
  WebhookEndpointWithSecretDto,
} from './dto/webhook-endpoint.dto';
import { webhookErrors } from './webhooks.errors';
import { WebhooksService } from './webhooks.service';
import { Idempotent } from '../../infrastructure/idempotency/idempotent.decorator';

const E = ErrorCode;
const COMMON = [E.UNAUTHENTICATED, E.FORBIDDEN, E.DATABASE_UNAVAILABLE] as const;
const ONE = [...COMMON, E.NOT_FOUND, E.MALFORMED_REQUEST] as const;
const ID_PARAM = ApiParam({ name: 'id', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The webhook endpoint id.' });
const DELIVERY_ID = /^[1-9]\d{0,17}$/;

@ApiTags('Webhooks')
@Controller('api/v1/webhook-endpoints')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  // The secret is shown once: a replay answers without it (rotate-secret shows the way to a new one).
  @Idempotent({ answerIsResult: false, secretFields: ['secret'] })
  @Post()
  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description:
      'Org admins only. Events of the org whose type matches `types` (and, with `agentIds`, of those agents) are POSTed to `url`, signed per Standard Webhooks with the `secret` shown in this response only. ' +
      'The URL must be `https` and lead to a public address (refused otherwise: loopback, private, link-local, metadata…). At most 20 endpoints per org.',
  })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblems(...COMMON, E.VALIDATION_FAILED, E.CONFLICT)
  createWebhookEndpoint(@CurrentPrincipal() principal: Principal, @Body() dto: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretDto> {
    return this.webhooks.create(principal, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints', description: "Org admins only. The org's endpoints, oldest first, without secrets." })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  @ApiProblems(...COMMON)
  async listWebhookEndpoints(@CurrentPrincipal() principal: Principal): Promise<WebhookEndpointListDto> {
    return { endpoints: await this.webhooks.list(principal) };
  }

  @Get(':id')
  @ID_PARAM
  @ApiOperation({ summary: 'Get a webhook endpoint', description: 'Org admins only; without its secret.' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(...ONE)
  getWebhookEndpoint(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookEndpointDto> {
    return this.webhooks.get(principal, id);
  }

  @Patch(':id')
  @ID_PARAM
  @ApiOperation({ summary: 'Update a webhook endpoint', description: 'Org admins only. Changes the fields sent; `enabled: true` turns a disabled endpoint on again with a fresh failure count.' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(...ONE, E.VALIDATION_FAILED)
  updateWebhookEndpoint(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    return this.webhooks.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ID_PARAM
  @ApiOperation({ summary: 'Delete a webhook endpoint', description: 'Org admins only. Its pending deliveries are dropped with it.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems(...ONE)
  deleteWebhookEndpoint(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.webhooks.remove(principal, id);
  }

  @Idempotent({ answerIsResult: false, secretFields: ['secret'] })
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ID_PARAM
  @ApiOperation({
    summary: "Rotate an endpoint's signing secret",
    description: 'Org admins only. Answers the new secret (shown this once). For 24 hours every delivery carries two signatures, one per secret, so receivers can switch at their pace.',
  })
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblems(...ONE)
  rotateWebhookSecret(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookEndpointWithSecretDto> {
    return this.webhooks.rotateSecret(principal, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ID_PARAM
  @ApiOperation({ summary: 'Send a test event', description: 'Org admins only. Queues a `webhook.test` delivery to the endpoint, sent at once; follow it in the delivery log. 409 when the endpoint is disabled.' })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiProblems(...ONE, E.CONFLICT)
  sendWebhookTest(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.sendTest(principal, id);
  }

  @Get(':id/deliveries')
  @ID_PARAM
  @ApiOperation({
    summary: "List an endpoint's deliveries",
    description: "Org admins only. Newest first, in keyset pages, optionally of one `status`; each with every try's time, status code, latency, error and the first KiB of the receiver's answer.",
  })
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  @ApiProblems(...ONE, E.VALIDATION_FAILED)
  listWebhookDeliveries(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string, @Query() query: ListWebhookDeliveriesQueryDto): Promise<WebhookDeliveryListDto> {
    return this.webhooks.deliveries(principal, id, query);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ID_PARAM
  @ApiParam({ name: 'deliveryId', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' }, description: 'The delivery id, from the delivery log.' })
  @ApiOperation({ summary: 'Redeliver', description: 'Org admins only. Sends the delivery again now, with the same `webhook-id` and body, and a fresh retry schedule. 409 when the endpoint is disabled.' })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiProblems(...ONE, E.CONFLICT)
  redeliverWebhook(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string, @Param('deliveryId') deliveryId: string): Promise<WebhookDeliveryDto> {
    if (!DELIVERY_ID.test(deliveryId)) throw webhookErrors.deliveryNotFound(deliveryId.slice(0, 40));
    return this.webhooks.redeliver(principal, id, deliveryId);
  }
}
