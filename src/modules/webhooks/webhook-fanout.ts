import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { encodeEventId, EventPosition } from '../events/domain/event-position';
import { toEventResponse } from '../events/event-response.mapper';
import { EventsRepository } from '../events/events.repository';
import { endpointWants } from './domain/endpoint-filter';
import { webhookBody } from './domain/signature';
import { NewDelivery, WebhooksRepository } from './webhooks.repository';

/** Events read per org and pass; an org with more is read again at once. */
const EVENTS_PER_PASS = 500;
/** Orgs one pass takes (their cursors locked together). */
const ORGS_PER_PASS = 20;

/**
 * Turns the log's events into deliveries: for each org with endpoints, a cursor into the log, read
 * like every other reader of it (settled events only, so an event committed late by a transaction that
 * began earlier is still ahead of the cursor, never behind it: docs/decisions.md, "Events"), each event
 * becoming one delivery per enabled endpoint that wants it. Cursor, reads and inserts are one
 * transaction; the cursor row is locked (`SKIP LOCKED`), so instances advance different orgs at once
 * and never the same one twice; a unique key on (endpoint, event) makes a repeat impossible anyway.
 * This is a reader's bookkeeping, not a change of state: it records no event (unit-of-work.spec.ts
 * lists it among the transactions opened outside the write seam).
 */
@Injectable()
export class WebhookFanout {
  constructor(
    private readonly dataSource: DataSource,
    private readonly webhooks: WebhooksRepository,
    private readonly events: EventsRepository,
  ) {}

  /**
   * Every org once (a pass per ORGS_PER_PASS orgs, in org order); answers how many deliveries it
   * made and whether some org has more events to read already.
   */
  async run(): Promise<{ created: number; more: boolean }> {
    const total = { created: 0, more: false };
    let afterOrg = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const pass = await this.pass(afterOrg);
      total.created += pass.created;
      total.more ||= pass.more;
      if (pass.lastOrg === null) return total;
      afterOrg = pass.lastOrg;
    }
  }

  private pass(afterOrg: string): Promise<{ created: number; more: boolean; lastOrg: string | null }> {
    return this.dataSource.transaction(async (db) => {
      let created = 0;
      let more = false;
      const cursors = await this.webhooks.lockCursors(db, afterOrg, ORGS_PER_PASS);
      for (const cursor of cursors) {
        const after: EventPosition = { txid: BigInt(cursor.txid), seq: BigInt(cursor.seq) };
        const events = await this.events.read(db, { orgId: cursor.orgId, visibleTo: null, after }, { order: 'asc', limit: EVENTS_PER_PASS, settledOnly: true });
        const last = events.at(-1);
        if (!last) continue;
        const endpoints = await this.webhooks.enabledEndpointsOf(db, cursor.orgId);
        const deliveries: NewDelivery[] = [];
        for (const event of events) {
          const shown = toEventResponse(event);
          for (const endpoint of endpoints) {
            // An endpoint hears the events of transactions after the one that created it.
            if (event.position.txid <= BigInt(endpoint.startTxid) || !endpointWants(endpoint, event)) continue;
            const eventId = encodeEventId(event.position);
            deliveries.push({ endpointId: endpoint.id, orgId: cursor.orgId, eventId, messageId: `msg_${eventId}`, type: event.type, body: webhookBody(event.type, event.at, shown) });
          }
        }
        created += await this.webhooks.insertDeliveries(db, deliveries);
        await this.webhooks.moveCursor(db, cursor.orgId, last.position);
        if (events.length === EVENTS_PER_PASS) more = true;
      }
      return { created, more, lastOrg: cursors.length === ORGS_PER_PASS ? (cursors.at(-1)?.orgId ?? null) : null };
    });
  }
}
