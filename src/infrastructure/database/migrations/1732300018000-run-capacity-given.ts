import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a version limits its agent's runs (SPEC §15) becomes one SQL function, `capacity_limited`,
 * and an insert that already read the run's version may give `runs.capacity_limited` itself: the
 * BEFORE INSERT trigger now runs only for a run inserted without it. The schedule sweep reads every
 * due agent's active version anyway; for its batches of 2,500 runs the trigger's per-row function
 * call and version lookup were 36 ms of each batch's ~350 ms in PostgreSQL (docs/decisions.md). The
 * column keeps NOT NULL, checked after the trigger, so no path can leave it unset; a path that gives
 * it must take it from `capacity_limited` of the run's own version, as the sweep does (the trigger
 * trusts a value given).
 */
export class RunCapacityGiven1732300018000 implements MigrationInterface {
  name = 'RunCapacityGiven1732300018000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION capacity_limited(content jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT COALESCE(jsonb_typeof(content->'concurrency') = 'object', false) $$`);
    await q.query(`CREATE OR REPLACE FUNCTION runs_capacity_limited() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.capacity_limited := COALESCE((SELECT capacity_limited(v.content) FROM variations v WHERE v.id = NEW.variation_id), false);
        RETURN NEW;
      END $$`);
    await q.query(`DROP TRIGGER runs_capacity_limited ON runs`);
    await q.query(`ALTER TABLE runs ALTER COLUMN capacity_limited DROP DEFAULT`);
    await q.query(
      `CREATE TRIGGER runs_capacity_limited BEFORE INSERT ON runs FOR EACH ROW WHEN (NEW.capacity_limited IS NULL) EXECUTE FUNCTION runs_capacity_limited()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER runs_capacity_limited ON runs`);
    await q.query(`ALTER TABLE runs ALTER COLUMN capacity_limited SET DEFAULT false`);
    await q.query(`CREATE OR REPLACE FUNCTION runs_capacity_limited() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.capacity_limited := COALESCE((SELECT jsonb_typeof(v.content->'concurrency') = 'object' FROM variations v WHERE v.id = NEW.variation_id), false);
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER runs_capacity_limited BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION runs_capacity_limited()`);
    await q.query(`DROP FUNCTION capacity_limited(jsonb)`);
  }
}
