import { MigrationInterface, QueryRunner } from 'typeorm';

export class Runs1732300003000 implements MigrationInterface {
  name = 'Runs1732300003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents DROP CONSTRAINT agents_status_check`);
    await q.query(`ALTER TABLE agents ADD CONSTRAINT agents_status_check CHECK (status IN ('draft', 'active', 'paused', 'deleted'))`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'member', 'runtime'))`);

    // `seq` orders history (newest first) and the queue (oldest first) without ties.
    await q.query(`
      CREATE TABLE runs (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        org_id uuid NOT NULL,
        agent_id integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        variation_id uuid NOT NULL REFERENCES variations (id),
        variation_version integer NOT NULL,
        status varchar(24) NOT NULL
          CHECK (status IN ('queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled')),
        trigger varchar(16) NOT NULL CHECK (trigger IN ('manual', 'schedule')),
        scheduled_for timestamptz,
        input jsonb,
        output jsonb,
        error jsonb,
        approval jsonb,
        attempt integer NOT NULL DEFAULT 1,
        claimed_by varchar(300),
        claimed_at timestamptz,
        lease_expires_at timestamptz,
        started_at timestamptz,
        -- A running run fails with timed_out at this instant unless an event or heartbeat moves it on.
        timeout_at timestamptz,
        finished_at timestamptz,
        last_event_seq integer NOT NULL DEFAULT 0,
        created_by varchar(300) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // History: newest first per agent, with the status, trigger and creation-time filters.
    await q.query(`CREATE INDEX runs_agent_seq_idx ON runs (agent_id, seq DESC)`);
    await q.query(`CREATE INDEX runs_agent_status_seq_idx ON runs (agent_id, status, seq DESC)`);
    await q.query(`CREATE INDEX runs_agent_trigger_seq_idx ON runs (agent_id, trigger, seq DESC)`);
    await q.query(`CREATE INDEX runs_agent_created_idx ON runs (agent_id, created_at DESC)`);
    // The queue: unclaimed queued runs of an org, oldest first; and the sweeps' partial indexes.
    await q.query(`CREATE INDEX runs_claimable_idx ON runs (org_id, seq) WHERE status = 'queued' AND lease_expires_at IS NULL`);
    await q.query(`CREATE INDEX runs_leased_idx ON runs (lease_expires_at) WHERE status = 'queued' AND lease_expires_at IS NOT NULL`);
    await q.query(`CREATE INDEX runs_running_idx ON runs (timeout_at) WHERE status = 'running'`);
    await q.query(`CREATE INDEX runs_finished_idx ON runs (finished_at) WHERE finished_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE run_events (
        run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        type varchar(32) NOT NULL,
        message text,
        data jsonb,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE run_events`);
    await q.query(`DROP TABLE runs`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'member'))`);
    await q.query(`ALTER TABLE agents DROP CONSTRAINT agents_status_check`);
    await q.query(`ALTER TABLE agents ADD CONSTRAINT agents_status_check CHECK (status IN ('draft', 'active', 'deleted'))`);
  }
}
