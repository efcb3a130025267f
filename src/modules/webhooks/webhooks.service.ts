import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { keysetPage, pageCursor } from '../../common/pagination/keyset-page';
import { Change } from '../../infrastructure/database/change';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { actorOf, Principal } from '../auth/domain/principal';
import { generateSecret, ROTATION_OVERLAP_MS, webhookBody } from './domain/signature';
import { DestinationChecker } from './destination-checker';
import {
  CreateWebhookEndpointDto,
  ListWebhookDeliveriesQueryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookDeliveryListDto,
  WebhookEndpointDto,
  WebhookEndpointWithSecretDto,
} from './dto/webhook-endpoint.dto';
import { WebhookDispatcher } from './webhook-dispatcher';
import { toDeliveryResponse, toEndpointResponse } from './webhook-response.mapper';
import { webhookErrors } from './webhooks.errors';
import { EndpointFields, EndpointRow, WebhooksRepository } from './webhooks.repository';

export const MAX_ENDPOINTS_PER_ORG = 20;
const DEFAULT_PAGE_SIZE = 50;

/** What an event says of an endpoint: never its secret. */
const describe = (row: EndpointRow) => ({ endpointId: row.id, url: row.url, types: row.types, agentIds: row.agentIds, description: row.description, enabled: row.enabled });

const endpointChange = (type: 'webhook_endpoint.created' | 'webhook_endpoint.updated' | 'webhook_endpoint.deleted', row: EndpointRow, data: Record<string, unknown>): Change => ({
  type,
  orgId: row.orgId,
  data: { endpointId: row.id, ...data },
});

/** SPEC §13's webhook endpoints: org admins manage them; every change is an event; a secret is shown once. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly tx: UnitOfWork,
    private readonly webhooks: WebhooksRepository,
    private readonly destinations: DestinationChecker,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async create(principal: Principal, dto: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretDto> {
    requireOrgAdmin(principal);
    // Resolved before the transaction: no lock or connection waits on DNS.
    await this.checkUrl(dto.url);
    const secret = generateSecret();
    const row = await this.tx.run(actorOf(principal), async (work) => {
      await this.webhooks.lockOrg(work.db, principal.orgId);
      if ((await this.webhooks.countEndpoints(work.db, principal.orgId)) >= MAX_ENDPOINTS_PER_ORG) throw webhookErrors.tooManyEndpoints(MAX_ENDPOINTS_PER_ORG);
      const inserted = await this.webhooks.insertEndpoint(work.db, {
        id: randomUUID(),
        orgId: principal.orgId,
        url: dto.url,
        types: dto.types ?? ['*'],
        agentIds: dto.agentIds ?? null,
        description: dto.description ?? null,
        enabled: dto.enabled ?? true,
        secret,
      });
      const { endpointId: _id, ...fields } = describe(inserted);
      work.record(endpointChange('webhook_endpoint.created', inserted, fields));
      return inserted;
    });
    return { ...toEndpointResponse(row), secret };
  }

  async list(principal: Principal): Promise<WebhookEndpointDto[]> {
    requireOrgAdmin(principal);
    return (await this.webhooks.listEndpoints(principal.orgId)).map(toEndpointResponse);
  }

  async get(principal: Principal, id: string): Promise<WebhookEndpointDto> {
    return toEndpointResponse(await this.endpointOf(principal, id));
  }

  async update(principal: Principal, id: string, dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    requireOrgAdmin(principal);
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const row = await this.tx.run(actorOf(principal), async (work) => {
      const before = await this.webhooks.findEndpoint(work.db, principal.orgId, id, true);
      if (!before) throw webhookErrors.endpointNotFound(id);
      const fields: EndpointFields = {};
      if (dto.url !== undefined) fields.url = dto.url;
      if (dto.types !== undefined) fields.types = dto.types;
      if (dto.agentIds !== undefined) fields.agentIds = dto.agentIds;
      if (dto.description !== undefined) fields.description = dto.description;
      if (dto.enabled !== undefined) fields.enabled = dto.enabled;
      const after = await this.webhooks.updateEndpoint(work.db, id, fields);
      if (dto.enabled === false && before.enabled) await this.webhooks.failPending(work.db, id, 'The endpoint was disabled.');
      const shownBefore = describe(before) as Record<string, unknown>;
      const shownAfter = describe(after) as Record<string, unknown>;
      const changes = Object.keys(fields)
        .filter((field) => JSON.stringify(shownBefore[field]) !== JSON.stringify(shownAfter[field]))
        .map((field) => ({ field, before: shownBefore[field], after: shownAfter[field] }));
      if (changes.length > 0) work.record(endpointChange('webhook_endpoint.updated', after, { changes }));
      return after;
    });
    return toEndpointResponse(row);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    requireOrgAdmin(principal);
    await this.tx.run(actorOf(principal), async (work) => {
      const row = await this.webhooks.findEndpoint(work.db, principal.orgId, id, true);
      if (!row) throw webhookErrors.endpointNotFound(id);
      await this.webhooks.deleteEndpoint(work.db, id);
      work.record(endpointChange('webhook_endpoint.deleted', row, { url: row.url }));
    });
  }

  /** A new secret; the replaced one keeps signing beside it for 24 hours, so receivers can switch without losing a delivery. */
  async rotateSecret(principal: Principal, id: string): Promise<WebhookEndpointWithSecretDto> {
    requireOrgAdmin(principal);
    const secret = generateSecret();
    const row = await this.tx.run(actorOf(principal), async (work) => {
      if (!(await this.webhooks.findEndpoint(work.db, principal.orgId, id, true))) throw webhookErrors.endpointNotFound(id);
      const rotated = await this.webhooks.rotateSecret(work.db, id, secret, ROTATION_OVERLAP_MS);
      work.record(endpointChange('webhook_endpoint.updated', rotated, { changes: [{ field: 'secret', before: null, after: null }], secretRotated: true }));
      return rotated;
    });
    return { ...toEndpointResponse(row), secret };
  }

  /** Queues a `webhook.test` delivery to the endpoint, outside the event log; it is tried at once, like any delivery. */
  async sendTest(principal: Principal, id: string): Promise<WebhookDeliveryDto> {
    const endpoint = await this.endpointOf(principal, id);
    if (!endpoint.enabled) throw webhookErrors.endpointDisabled(id);
    const now = new Date();
    const delivery = await this.tx.run(actorOf(principal), (work) =>
      this.webhooks.insertDelivery(work.db, {
        endpointId: id,
        orgId: principal.orgId,
        messageId: `msg_test_${randomBytes(12).toString('hex')}`,
        type: 'webhook.test',
        body: webhookBody('webhook.test', now, { endpointId: id, message: 'A test event from Agentry.' }),
      }),
    );
    this.dispatcher.wake();
    return toDeliveryResponse(delivery, []);
  }

  async deliveries(principal: Principal, id: string, query: ListWebhookDeliveriesQueryDto): Promise<WebhookDeliveryListDto> {
    await this.endpointOf(principal, id);
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    const before = pageCursor(query.pageToken, 'text');
    const rows = await this.webhooks.listDeliveries(id, { status: query.status, before, limit: pageSize + 1 });
    const page = keysetPage(rows, pageSize, (row) => row.id);
    const tries = await this.webhooks.triesOf(page.items.map((row) => row.id));
    return { deliveries: page.items.map((row) => toDeliveryResponse(row, tries.filter((t) => t.deliveryId === row.id))), nextPageToken: page.nextPageToken };
  }

  /** Sends a delivery again now (same `webhook-id` and body), with a fresh retry schedule. */
  async redeliver(principal: Principal, id: string, deliveryId: string): Promise<WebhookDeliveryDto> {
    const endpoint = await this.endpointOf(principal, id);
    if (!endpoint.enabled) throw webhookErrors.endpointDisabled(id);
    const row = await this.tx.run(actorOf(principal), (work) => this.webhooks.redeliver(work.db, id, deliveryId));
    if (!row) throw webhookErrors.deliveryNotFound(deliveryId);
    this.dispatcher.wake();
    return toDeliveryResponse(row, await this.webhooks.triesOf([row.id]));
  }

  private async endpointOf(principal: Principal, id: string): Promise<EndpointRow> {
    requireOrgAdmin(principal);
    const row = await this.webhooks.findEndpoint(undefined, principal.orgId, id);
    if (!row) throw webhookErrors.endpointNotFound(id);
    return row;
  }

  private async checkUrl(url: string): Promise<void> {
    const checked = await this.destinations.check(url);
    if ('problem' in checked) throw webhookErrors.urlRefused(checked.problem);
  }
}

function requireOrgAdmin(principal: Principal): void {
  if (!principal.isOrgAdmin) throw webhookErrors.notAdmin();
}
