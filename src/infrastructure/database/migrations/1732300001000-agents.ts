import { MigrationInterface, QueryRunner } from 'typeorm';

export class Agents1732300001000 implements MigrationInterface {
  name = 'Agents1732300001000';

  async up(q: QueryRunner): Promise<void> {
    // Identity ids come from a sequence and are never reused, even after a delete.
    await q.query(`
      CREATE TABLE agents (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        uid uuid NOT NULL UNIQUE,
        org_id uuid NOT NULL,
        slug varchar(80) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('draft', 'active', 'deleted')),
        name varchar(200) NOT NULL,
        type varchar(16) NOT NULL CHECK (type IN ('task', 'workflow')),
        description text,
        owner varchar(300) NOT NULL,
        org_access varchar(16) NOT NULL DEFAULT 'none' CHECK (org_access IN ('none', 'use', 'manage')),
        notification_config jsonb,
        is_schedule_active boolean NOT NULL DEFAULT false,
        next_run_at timestamptz,
        active_variation_id uuid,
        draft_variation_id uuid,
        has_unpublished_changes boolean NOT NULL DEFAULT true,
        latest_version integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1,
        runs_count integer NOT NULL DEFAULT 0,
        created_by varchar(300) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT agents_org_slug_key UNIQUE (org_id, slug)
      )`);
    // Keyset pages walk (org_id, id DESC); the owner index serves the "who can use" filter.
    await q.query(`CREATE INDEX agents_org_id_idx ON agents (org_id, id DESC)`);
    await q.query(`CREATE INDEX agents_org_owner_idx ON agents (org_id, owner)`);

    await q.query(`
      CREATE TABLE agent_grants (
        agent_id integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        position smallint NOT NULL,
        principal varchar(300) NOT NULL,
        access varchar(8) NOT NULL CHECK (access IN ('use', 'manage')),
        PRIMARY KEY (agent_id, principal)
      )`);
    await q.query(`CREATE INDEX agent_grants_principal_idx ON agent_grants (principal, agent_id)`);

    await q.query(`
      CREATE TABLE variations (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        agent_id integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        state varchar(16) NOT NULL CHECK (state IN ('draft', 'published', 'superseded')),
        version integer,
        content jsonb NOT NULL,
        content_hash char(64) NOT NULL,
        created_by varchar(300) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        CONSTRAINT variations_version_key UNIQUE (agent_id, version),
        CONSTRAINT variations_published_has_version CHECK ((state = 'draft') = (version IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX variations_one_draft_idx ON variations (agent_id) WHERE state = 'draft'`);
    await q.query(`CREATE INDEX variations_history_idx ON variations (agent_id, seq DESC)`);
    // Deferred: an agent and its first draft point at each other and are inserted in one transaction.
    await q.query(`ALTER TABLE agents ADD CONSTRAINT agents_active_fk FOREIGN KEY (active_variation_id) REFERENCES variations (id) DEFERRABLE INITIALLY DEFERRED`);
    await q.query(`ALTER TABLE agents ADD CONSTRAINT agents_draft_fk FOREIGN KEY (draft_variation_id) REFERENCES variations (id) DEFERRABLE INITIALLY DEFERRED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents DROP CONSTRAINT agents_active_fk, DROP CONSTRAINT agents_draft_fk`);
    await q.query(`DROP TABLE variations`);
    await q.query(`DROP TABLE agent_grants`);
    await q.query(`DROP TABLE agents`);
  }
}
