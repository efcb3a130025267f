import { WebhookDeliveryDto, WebhookEndpointDto } from './dto/webhook-endpoint.dto';
import { DeliveryRow, EndpointRow, TryRow } from './webhooks.repository';

export function toEndpointResponse(row: EndpointRow): WebhookEndpointDto {
  const rotationLive = row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt.getTime() > Date.now();
  return {
    id: row.id,
    url: row.url,
    types: row.types,
    agentIds: row.agentIds,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    previousSecretExpiresAt: rotationLive ? (row.previousSecretExpiresAt as Date).toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toDeliveryResponse(row: DeliveryRow, tries: readonly TryRow[]): WebhookDeliveryDto {
  return {
    id: Number(row.id),
    eventId: row.eventId,
    webhookId: row.messageId,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    tries: [...tries]
      .sort((a, b) => a.try - b.try)
      .map((t) => ({ try: t.try, at: t.at.toISOString(), statusCode: t.statusCode, latencyMs: t.latencyMs, error: t.error, responseBody: t.responseBody })),
  };
}
