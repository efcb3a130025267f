import { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1732300005000 implements MigrationInterface {
  name = 'Notifications1732300005000';

  async up(q: QueryRunner): Promise<void> {
    // The outbox and the delivery log in one: a row is written with its run event (or the day's
    // digest) and its status is the delivery's. `message` is what the event said at the time, so a
    // later rename or retention purge changes nothing already queued.
    await q.query(`
      CREATE TABLE notifications (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL,
        agent_id integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        run_id uuid REFERENCES runs (id) ON DELETE CASCADE,
        event_seq integer,
        event varchar(24) NOT NULL CHECK (event IN ('action_taken', 'approval_required', 'outcome', 'error', 'digest')),
        digest_for timestamptz,
        channel varchar(32) NOT NULL,
        message jsonb NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz DEFAULT now(),
        -- While a delivery waits on Slack, no other try may start; a crashed try frees it at this instant.
        sending_until timestamptz,
        slack_ts varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CHECK ((event = 'digest') = (digest_for IS NOT NULL AND run_id IS NULL))
      )`);
    // One notification per run event, and one digest per agent and day, whatever two writers believe.
    await q.query(`CREATE UNIQUE INDEX notifications_run_event_key ON notifications (run_id, event_seq) WHERE run_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX notifications_digest_key ON notifications (agent_id, digest_for) WHERE digest_for IS NOT NULL`);
    // The delivery log: newest first per agent, with the status filter.
    await q.query(`CREATE INDEX notifications_agent_id_idx ON notifications (agent_id, id DESC)`);
    await q.query(`CREATE INDEX notifications_agent_status_id_idx ON notifications (agent_id, status, id DESC)`);

    // Per channel, shared by every instance: `planned_until` spaces new notifications' first tries in
    // the order their events were written; `next_send_at` is the earliest instant the next message
    // may actually go (Slack allows about one a second per channel, and a 429 pushes it back).
    await q.query(`
      CREATE TABLE notification_channels (
        channel varchar(32) PRIMARY KEY,
        planned_until timestamptz NOT NULL DEFAULT now(),
        next_send_at timestamptz NOT NULL DEFAULT now()
      )`);

    // The next digest per agent (09:00 in its schedule's zone); null until the digest sweep first sees it.
    await q.query(`ALTER TABLE agents ADD COLUMN digest_due_at timestamptz`);
    await q.query(
      `CREATE INDEX agents_digest_due_idx ON agents (digest_due_at) WHERE (notification_config->'events'->>'digest') = 'true' AND status <> 'deleted'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agents_digest_due_idx`);
    await q.query(`ALTER TABLE agents DROP COLUMN digest_due_at`);
    await q.query(`DROP TABLE notification_channels`);
    await q.query(`DROP TABLE notifications`);
  }
}
