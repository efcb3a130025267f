import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { EventPosition } from '../events/domain/event-position';

export interface EndpointRow {
  id: string;
  orgId: string;
  url: string;
  types: string[];
  agentIds: number[] | null;
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  /** The transaction that created the endpoint (xid8 as text): it hears the events of later ones. */
  startTxid: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: string;
  endpointId: string;
  eventId: string | null;
  messageId: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface TryRow {
  deliveryId: string;
  try: number;
  at: Date;
  finishedAt: Date | null;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
  responseBody: string | null;
}

/** A delivery a worker has claimed for one try: what to send, where, and with which secrets. */
export interface ClaimedTry {
  deliveryId: string;
  endpointId: string;
  orgId: string;
  try: number;
  tryInSchedule: number;
  messageId: string;
  type: string;
  body: string;
  url: string;
  secrets: string[];
}

/** A new delivery of an event to an endpoint, as the fan-out makes them. */
export interface NewDelivery {
  endpointId: string;
  orgId: string;
  eventId: string;
  messageId: string;
  type: string;
  body: string;
}

const ENDPOINT_COLUMNS = `id, org_id AS "orgId", url, types, agent_ids AS "agentIds", description, enabled, disabled_reason AS "disabledReason",
  secret, previous_secret AS "previousSecret", previous_secret_expires_at AS "previousSecretExpiresAt", start_txid::text AS "startTxid",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

const DELIVERY_COLUMNS = `id::text AS id, endpoint_id AS "endpointId", event_id AS "eventId", message_id AS "messageId", type, status, attempts,
  next_attempt_at AS "nextAttemptAt", last_status_code AS "lastStatusCode", last_error AS "lastError", created_at AS "createdAt", delivered_at AS "deliveredAt"`;

/** Writable fields of an endpoint, as PATCH sends them (absent: unchanged). */
export interface EndpointFields {
  url?: string;
  types?: string[];
  agentIds?: number[] | null;
  description?: string | null;
  enabled?: boolean;
}

@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get db(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Locks the org's fan-out cursor, creating it at this transaction when the org has none: endpoint
   * writes of one org queue behind each other on it (the 20-endpoint limit counts under it).
   */
  async lockOrg(db: EntityManager, orgId: string): Promise<void> {
    await queryRows(
      db,
      `INSERT INTO webhook_cursors (org_id, txid, seq) VALUES ($1, pg_current_xact_id(), 0)
       ON CONFLICT (org_id) DO UPDATE SET org_id = EXCLUDED.org_id`,
      [orgId],
    );
  }

  async countEndpoints(db: EntityManager, orgId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(db, `SELECT count(*)::int AS n FROM webhook_endpoints WHERE org_id = $1`, [orgId]);
    return row?.n ?? 0;
  }

  async insertEndpoint(db: EntityManager, row: { id: string; orgId: string; url: string; types: string[]; agentIds: number[] | null; description: string | null; enabled: boolean; secret: string }): Promise<EndpointRow> {
    const [inserted] = await queryRows<EndpointRow>(
      db,
      `INSERT INTO webhook_endpoints (id, org_id, url, types, agent_ids, description, enabled, secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${ENDPOINT_COLUMNS}`,
      [row.id, row.orgId, row.url, row.types, row.agentIds, row.description, row.enabled, row.secret],
    );
    if (!inserted) throw new Error('INSERT ... RETURNING returned no row');
    return inserted;
  }

  listEndpoints(orgId: string): Promise<EndpointRow[]> {
    return queryRows<EndpointRow>(this.db, `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, id`, [orgId]);
  }

  async findEndpoint(db: EntityManager | undefined, orgId: string, id: string, lock = false): Promise<EndpointRow | undefined> {
    const rows = await queryRows<EndpointRow>(
      db ?? this.db,
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [orgId, id],
    );
    return rows[0];
  }

  /** Writes the given fields; enabling resets the failure streak, so a re-enabled endpoint starts afresh. */
  async updateEndpoint(db: EntityManager, id: string, fields: EndpointFields): Promise<EndpointRow> {
    const values: unknown[] = [id];
    const sets = ['updated_at = now()'];
    const set = (column: string, value: unknown) => sets.push(`${column} = $${values.push(value)}`);
    if (fields.url !== undefined) set('url', fields.url);
    if (fields.types !== undefined) set('types', fields.types);
    if (fields.agentIds !== undefined) set('agent_ids', fields.agentIds);
    if (fields.description !== undefined) set('description', fields.description);
    if (fields.enabled !== undefined) {
      set('enabled', fields.enabled);
      if (fields.enabled) sets.push('disabled_reason = NULL', 'consecutive_failures = 0', 'failing_since = NULL');
      else sets.push(`disabled_reason = 'Disabled by an admin.'`);
    }
    const [row] = await queryRows<EndpointRow>(db, `UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`, values);
    if (!row) throw new Error('UPDATE ... RETURNING returned no row');
    return row;
  }

  async deleteEndpoint(db: EntityManager, id: string): Promise<void> {
    await queryRows(db, `DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
  }

  /** The new secret signs from now on; the one it replaces keeps signing beside it for `overlapMs`. */
  async rotateSecret(db: EntityManager, id: string, secret: string, overlapMs: number): Promise<EndpointRow> {
    const [row] = await queryRows<EndpointRow>(
      db,
      `UPDATE webhook_endpoints SET previous_secret = secret, secret = $2, previous_secret_expires_at = now() + make_interval(secs => $3::float8 / 1000), updated_at = now()
       WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, secret, overlapMs],
    );
    if (!row) throw new Error('UPDATE ... RETURNING returned no row');
    return row;
  }

  /**
   * Disables an enabled endpoint and fails its pending deliveries (they can be redelivered once it is
   * enabled again). Undefined when it was already disabled or is gone, so a disable is recorded once.
   */
  async disableEndpoint(db: EntityManager, id: string, reason: string): Promise<EndpointRow | undefined> {
    const [row] = await queryRows<EndpointRow>(
      db,
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1 AND enabled RETURNING ${ENDPOINT_COLUMNS}`,
      [id, reason.slice(0, 200)],
    );
    if (row) await this.failPending(db, id, 'The endpoint was disabled.');
    return row;
  }

  async failPending(db: EntityManager, endpointId: string, error: string): Promise<void> {
    await queryRows(db, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = $2 WHERE endpoint_id = $1 AND status = 'pending'`, [endpointId, error]);
  }

  // ---- Fan-out: the log's events to deliveries -------------------------------------------------

  /** Up to `limit` cursors of orgs after `afterOrg` that no other instance is advancing now, locked for this transaction. */
  lockCursors(db: EntityManager, afterOrg: string, limit: number): Promise<{ orgId: string; txid: string; seq: string }[]> {
    return queryRows(
      db,
      `SELECT org_id AS "orgId", txid::text AS txid, seq::text AS seq FROM webhook_cursors WHERE org_id > $1 ORDER BY org_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [afterOrg, limit],
    );
  }

  enabledEndpointsOf(db: EntityManager, orgId: string): Promise<EndpointRow[]> {
    return queryRows<EndpointRow>(db, `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND enabled`, [orgId]);
  }

  async moveCursor(db: EntityManager, orgId: string, position: EventPosition): Promise<void> {
    await queryRows(db, `UPDATE webhook_cursors SET txid = $2::xid8, seq = $3 WHERE org_id = $1`, [orgId, String(position.txid), String(position.seq)]);
  }

  /** Inserts deliveries; one that exists already (the same event and endpoint) is left as it is. Returns how many are new. */
  async insertDeliveries(db: EntityManager, rows: readonly NewDelivery[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await queryRows<{ id: string }>(
      db,
      `INSERT INTO webhook_deliveries (endpoint_id, org_id, event_id, message_id, type, body, next_attempt_at)
       SELECT d.endpoint_id, d.org_id, d.event_id, d.message_id, d.type, d.body, now()
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS d(endpoint_id, org_id, event_id, message_id, type, body)
       ON CONFLICT (endpoint_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
       RETURNING id::text AS id`,
      [rows.map((r) => r.endpointId), rows.map((r) => r.orgId), rows.map((r) => r.eventId), rows.map((r) => r.messageId), rows.map((r) => r.type), rows.map((r) => r.body)],
    );
    return inserted.length;
  }

  /** A delivery outside the log (a test event), due now. */
  async insertDelivery(db: EntityManager, row: Omit<NewDelivery, 'eventId'>): Promise<DeliveryRow> {
    const [inserted] = await queryRows<DeliveryRow>(
      db,
      `INSERT INTO webhook_deliveries (endpoint_id, org_id, message_id, type, body, next_attempt_at) VALUES ($1, $2, $3, $4, $5, now()) RETURNING ${DELIVERY_COLUMNS}`,
      [row.endpointId, row.orgId, row.messageId, row.type, row.body],
    );
    if (!inserted) throw new Error('INSERT ... RETURNING returned no row');
    return inserted;
  }

  // ---- Sending ---------------------------------------------------------------------------------

  /**
   * Claims due deliveries for one try each, in one statement: at most `free` per endpoint named in
   * `endpointSlots` (`cap` for any other), none of the endpoints in `full`, `limit` in all. A claimed
   * delivery's next try moves `leaseMs` ahead (another instance takes it over only once that lapses, if
   * this one never records the outcome), its try number is taken (the try row's primary key), and an
   * earlier try left without an outcome by a stopped sender is marked so.
   */
  claimDue(options: { endpointSlots: Map<string, number>; cap: number; limit: number; leaseMs: number }): Promise<ClaimedTry[]> {
    const ids = [...options.endpointSlots.keys()];
    const free = ids.map((id) => options.endpointSlots.get(id) ?? 0);
    return queryRows<ClaimedTry>(
      this.db,
      `WITH due AS (
         SELECT d.id, d.next_attempt_at, row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rank,
                coalesce(f.free, $3::int) AS free
         FROM (
           -- The oldest due deliveries of endpoints with a free slot here: one range of the due index, not every due row.
           SELECT id, endpoint_id, next_attempt_at FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= now() AND NOT (endpoint_id = ANY($6::uuid[]))
           ORDER BY next_attempt_at LIMIT 1000
         ) d
         LEFT JOIN unnest($1::uuid[], $2::int[]) AS f(endpoint_id, free) ON f.endpoint_id = d.endpoint_id
       ), picked AS (
         SELECT d.id FROM webhook_deliveries d
         WHERE d.id IN (SELECT id FROM due WHERE rank <= free ORDER BY next_attempt_at, id LIMIT $4::int)
           AND d.status = 'pending' AND d.next_attempt_at <= now()
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $5::float8 / 1000)
         FROM picked, webhook_endpoints e
         -- Checked again on the row as locked: a claim that committed meanwhile has moved it on.
         WHERE d.id = picked.id AND e.id = d.endpoint_id AND e.enabled AND d.status = 'pending' AND d.next_attempt_at <= now()
         RETURNING d.id, d.endpoint_id, d.org_id, d.attempts, d.schedule_start, d.message_id, d.type, d.body, e.url, e.secret,
                   CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret
       ), abandoned AS (
         UPDATE webhook_delivery_tries t SET finished_at = now(), error = 'No outcome was recorded: the sending instance stopped.'
         FROM claimed c WHERE t.delivery_id = c.id AND t.finished_at IS NULL
       ), tried AS (
         INSERT INTO webhook_delivery_tries (delivery_id, try) SELECT id, attempts FROM claimed
       )
       SELECT c.id::text AS "deliveryId", c.endpoint_id AS "endpointId", c.org_id AS "orgId", c.attempts AS try, c.attempts - c.schedule_start AS "tryInSchedule",
              c.message_id AS "messageId", c.type, c.body, c.url,
              array_remove(ARRAY[c.secret, c.previous_secret], NULL) AS secrets
       FROM claimed c`,
      [ids, free, options.cap, options.limit, options.leaseMs, ids.filter((_id, i) => free[i] === 0)],
    );
  }

  /**
   * Records a try's outcome: the try row always (it was sent), the delivery only while this try is
   * still its latest (a try taken over after its lease lapsed does not overwrite its successor), and
   * the endpoint's failure streak. Returns the streak as it now stands.
   */
  async finishTry(outcome: {
    deliveryId: string;
    endpointId: string;
    try: number;
    statusCode: number | null;
    latencyMs: number;
    error: string | null;
    responseBody: string | null;
    status: DeliveryStatus;
    retryInMs: number | null;
    succeeded: boolean;
  }): Promise<{ consecutiveFailures: number; failingForMs: number } | undefined> {
    const [row] = await queryRows<{ consecutiveFailures: number; failingForMs: number }>(
      this.db,
      `WITH t AS (
         UPDATE webhook_delivery_tries SET finished_at = now(), status_code = $3::int, latency_ms = $4::int, error = $5::text, response_body = $6::text
         WHERE delivery_id = $1::bigint AND try = $2::int
       ), d AS (
         UPDATE webhook_deliveries SET status = $7::text, last_status_code = $3::int, last_error = $5::text,
           next_attempt_at = CASE WHEN $7::text = 'pending' THEN now() + make_interval(secs => $8::float8 / 1000) END,
           delivered_at = CASE WHEN $7::text = 'delivered' THEN now() END
         WHERE id = $1::bigint AND attempts = $2::int AND status = 'pending'
       )
       UPDATE webhook_endpoints SET
         consecutive_failures = CASE WHEN $9::boolean THEN 0 ELSE consecutive_failures + 1 END,
         failing_since = CASE WHEN $9::boolean THEN NULL ELSE coalesce(failing_since, now()) END
       -- A delivered try writes the endpoint only to end a streak: healthy endpoints' rows are not rewritten (and locked) on every try.
       WHERE id = $10::uuid AND NOT ($9::boolean AND consecutive_failures = 0 AND failing_since IS NULL)
       RETURNING consecutive_failures AS "consecutiveFailures",
         coalesce(extract(epoch FROM now() - failing_since) * 1000, 0)::float8 AS "failingForMs"`,
      [
        outcome.deliveryId,
        outcome.try,
        outcome.statusCode,
        outcome.latencyMs,
        outcome.error?.slice(0, 500) ?? null,
        outcome.responseBody,
        outcome.status,
        outcome.retryInMs ?? 0,
        outcome.succeeded,
        outcome.endpointId,
      ],
    );
    return row;
  }

  // ---- The delivery log ------------------------------------------------------------------------

  /**
   * Removes up to `batchSize` of the oldest finished deliveries made over `retentionDays` ago whose
   * tries are all that old too (a redelivery keeps its delivery), their tries with them (the foreign
   * key cascades). Rows another transaction holds (a redelivery in progress) are skipped, and a row
   * that became pending meanwhile is not removed.
   */
  async purgeFinishedOlderThan(retentionDays: number, batchSize: number): Promise<number> {
    const rows = await queryRows<{ n: string }>(
      this.db,
      `WITH doomed AS (
         SELECT d.id FROM webhook_deliveries d
         WHERE d.status <> 'pending' AND d.created_at < now() - make_interval(days => $1)
           AND NOT EXISTS (SELECT 1 FROM webhook_delivery_tries t WHERE t.delivery_id = d.id AND t.at >= now() - make_interval(days => $1))
         ORDER BY d.created_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM webhook_deliveries d USING doomed WHERE d.id = doomed.id AND d.status <> 'pending' RETURNING 1)
       SELECT count(*)::text AS n FROM deleted`,
      [retentionDays, batchSize],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** A page of an endpoint's deliveries, newest first, after the delivery `before` (exclusive). */
  listDeliveries(endpointId: string, options: { status?: DeliveryStatus; before?: string; limit: number }): Promise<DeliveryRow[]> {
    const values: unknown[] = [endpointId];
    const conditions = ['d.endpoint_id = $1'];
    if (options.status) conditions.push(`d.status = $${values.push(options.status)}`);
    if (options.before) conditions.push(`d.id < $${values.push(options.before)}::bigint`);
    // `d.id`, not `id`: ORDER BY would take the output column `id`, which is text, and put 99 before 100.
    return queryRows<DeliveryRow>(this.db, `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE ${conditions.join(' AND ')} ORDER BY d.id DESC LIMIT $${values.push(options.limit)}`, values);
  }

  triesOf(deliveryIds: readonly string[]): Promise<TryRow[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return queryRows<TryRow>(
      this.db,
      `SELECT delivery_id::text AS "deliveryId", try, at, finished_at AS "finishedAt", status_code AS "statusCode", latency_ms AS "latencyMs", error,
              response_body AS "responseBody"
       FROM webhook_delivery_tries WHERE delivery_id = ANY($1::bigint[]) ORDER BY delivery_id, try`,
      [deliveryIds],
    );
  }

  /** Due again now, with a fresh retry schedule; the same `webhook-id` and body. Undefined when no such delivery of the endpoint. */
  async redeliver(db: EntityManager, endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
    const [row] = await queryRows<DeliveryRow>(
      db,
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), schedule_start = attempts, delivered_at = NULL
       WHERE endpoint_id = $1 AND id = $2::bigint RETURNING ${DELIVERY_COLUMNS}`,
      [endpointId, deliveryId],
    );
    return row;
  }
}
