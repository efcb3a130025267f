import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (SPEC §13): endpoints, one cursor per org into the event log, one delivery per (event,
 * endpoint), and each try of a delivery. A delivery keeps the exact body it sends, so every try (and a
 * redelivery after the event left the log) signs the same bytes under the same `webhook-id`.
 */
export class Webhooks1732300011000 implements MigrationInterface {
  name = 'Webhooks1732300011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        url varchar(2048) NOT NULL,
        types text[] NOT NULL,
        agent_ids integer[],
        description varchar(500),
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason varchar(200),
        secret varchar(100) NOT NULL,
        previous_secret varchar(100),
        previous_secret_expires_at timestamptz(3),
        -- Events of transactions after the one that created the endpoint are its to hear.
        start_txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing_since timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id, created_at, id)`);
    // Where the fan-out stands in each org's log: the position of the last event it turned into deliveries.
    await q.query(`
      CREATE TABLE webhook_cursors (
        org_id uuid PRIMARY KEY,
        txid xid8 NOT NULL,
        seq bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        event_id char(32),
        message_id varchar(64) NOT NULL,
        type varchar(64) NOT NULL,
        body text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        -- The tries before the current schedule began (a redelivery starts it again).
        schedule_start integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3),
        last_status_code integer,
        last_error varchar(500),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        delivered_at timestamptz(3)
      )`);
    // One delivery per event and endpoint, however often or by however many instances the fan-out runs.
    await q.query(`CREATE UNIQUE INDEX webhook_deliveries_event_uq ON webhook_deliveries (endpoint_id, event_id) WHERE event_id IS NOT NULL`);
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (endpoint_id, id)`);
    await q.query(`
      CREATE TABLE webhook_delivery_tries (
        delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        try integer NOT NULL,
        at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz(3),
        status_code integer,
        latency_ms integer,
        error varchar(500),
        response_body text,
        -- A try number is claimed once: two instances can never both send try n of a delivery.
        PRIMARY KEY (delivery_id, try)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_delivery_tries`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_cursors`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
