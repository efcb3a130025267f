import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Environments and releases (SPEC §14). An environment is a named pointer from an agent to one of its
 * published versions, with an optional canary split; `production` mirrors `agents.active_variation_id`
 * (both written by the one publish path, under the agent's row lock), so every reader of "active"
 * keeps working. `revision` is the environment's own ETag. Runs record where they were sent; versions
 * carry a label and notes, and a draft the version production was on when it began (`base_version`).
 */
export class Environments1732300012000 implements MigrationInterface {
  name = 'Environments1732300012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE environments (
        agent_id integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        name varchar(31) NOT NULL CHECK (name ~ '^[a-z][a-z0-9-]{0,30}$'),
        variation_id uuid NOT NULL REFERENCES variations (id),
        canary_variation_id uuid REFERENCES variations (id),
        canary_percent smallint CHECK (canary_percent BETWEEN 1 AND 99),
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (agent_id, name),
        CONSTRAINT environments_canary_whole CHECK ((canary_variation_id IS NULL) = (canary_percent IS NULL))
      )`);
    // Every deployed agent gets its production environment, pointing where "active" points today.
    await q.query(`INSERT INTO environments (agent_id, name, variation_id) SELECT id, 'production', active_variation_id FROM agents WHERE active_variation_id IS NOT NULL`);

    // Runs started before environments existed record none; new ones default to what a schedule tick fires on.
    await q.query(`ALTER TABLE runs ADD COLUMN environment varchar(31), ADD COLUMN routed_to varchar(8) CHECK (routed_to IN ('primary', 'canary'))`);
    await q.query(`ALTER TABLE runs ALTER COLUMN environment SET DEFAULT 'production', ALTER COLUMN routed_to SET DEFAULT 'primary'`);

    await q.query(`ALTER TABLE variations ADD COLUMN label varchar(100), ADD COLUMN notes text, ADD COLUMN base_version integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE variations DROP COLUMN label, DROP COLUMN notes, DROP COLUMN base_version`);
    await q.query(`ALTER TABLE runs DROP COLUMN environment, DROP COLUMN routed_to`);
    await q.query(`DROP TABLE environments`);
  }
}
