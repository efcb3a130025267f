import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-agent capacity (SPEC §15, `concurrency` in variation content). A run is `capacity_limited` when
 * the version it is pinned to has a limit (set on insert from that immutable version, whatever path
 * inserts it). The queue splits in two partial indexes: runs_claimable_idx keeps the unlimited runs in
 * org order, as before; runs_limited_claimable_idx holds limited runs by (org, agent, seq), so a claim
 * reaches each limited agent's oldest run in one probe and never walks a full agent's backlog.
 *
 * `agents.active_runs` counts the agent's limited runs that are claimed or running, kept by a trigger
 * on every change of status or lease (claim, start, outcome, error, cancel, lapse, revocation, timeout:
 * one rule instead of one per path). The claim locks the agent row and re-checks the count on its
 * newest version, which is what makes the limit hold between concurrent claims (docs/decisions.md).
 * A slot that frees announces itself on the run queue's channel, so waiting claims look again at once.
 * A claimed run is a queued run with `claimed_by` set; a queued run with a lease but no claimant is
 * one waiting out its retry backoff (RunsRepository.releaseDueRetries), which holds no slot.
 */
export class RunCapacity1732300013500 implements MigrationInterface {
  name = 'RunCapacity1732300013500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs ADD COLUMN capacity_limited boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE agents ADD COLUMN active_runs int NOT NULL DEFAULT 0`);
    // Retries (SPEC §15): how many times the run was re-queued after a retryable error, the attempt its
    // current try began at (the lease rule counts claims within one try), and each event's attempt.
    await q.query(`ALTER TABLE runs ADD COLUMN retries int NOT NULL DEFAULT 0, ADD COLUMN try_first_attempt int NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE run_events ADD COLUMN attempt int`);
    // Replays (SPEC §15): the run a run repeats. No foreign key: retention removes the original on its
    // own schedule, and a key would make every purge look up its replays.
    await q.query(`ALTER TABLE runs ADD COLUMN replay_of uuid`);
    await q.query(`DROP INDEX runs_claimable_idx`);
    await q.query(`CREATE INDEX runs_claimable_idx ON runs (org_id, seq) WHERE status = 'queued' AND lease_expires_at IS NULL AND NOT capacity_limited`);
    await q.query(
      `CREATE INDEX runs_limited_claimable_idx ON runs (org_id, agent_id, seq) WHERE status = 'queued' AND lease_expires_at IS NULL AND capacity_limited`,
    );
    await q.query(`CREATE FUNCTION runs_capacity_limited() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.capacity_limited := COALESCE((SELECT jsonb_typeof(v.content->'concurrency') = 'object' FROM variations v WHERE v.id = NEW.variation_id), false);
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER runs_capacity_limited BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION runs_capacity_limited()`);
    await q.query(`CREATE FUNCTION runs_count_active() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        was boolean := TG_OP <> 'INSERT' AND (OLD.status = 'running' OR (OLD.status = 'queued' AND OLD.claimed_by IS NOT NULL));
        now_active boolean := TG_OP <> 'DELETE' AND (NEW.status = 'running' OR (NEW.status = 'queued' AND NEW.claimed_by IS NOT NULL));
      BEGIN
        IF was <> now_active THEN
          UPDATE agents SET active_runs = active_runs + CASE WHEN now_active THEN 1 ELSE -1 END WHERE id = COALESCE(NEW.agent_id, OLD.agent_id);
          IF was THEN PERFORM pg_notify('agentry_run_queue', COALESCE(NEW.org_id, OLD.org_id)::text); END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER runs_count_active AFTER UPDATE OF status, claimed_by OR DELETE ON runs FOR EACH ROW WHEN (OLD.capacity_limited) EXECUTE FUNCTION runs_count_active()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER runs_count_active ON runs`);
    await q.query(`DROP FUNCTION runs_count_active()`);
    await q.query(`DROP TRIGGER runs_capacity_limited ON runs`);
    await q.query(`DROP FUNCTION runs_capacity_limited()`);
    await q.query(`DROP INDEX runs_limited_claimable_idx`);
    await q.query(`DROP INDEX runs_claimable_idx`);
    await q.query(`CREATE INDEX runs_claimable_idx ON runs (org_id, seq) WHERE status = 'queued' AND lease_expires_at IS NULL`);
    await q.query(`ALTER TABLE runs DROP COLUMN replay_of`);
    await q.query(`ALTER TABLE run_events DROP COLUMN attempt`);
    await q.query(`ALTER TABLE runs DROP COLUMN retries, DROP COLUMN try_first_attempt`);
    await q.query(`ALTER TABLE agents DROP COLUMN active_runs`);
    await q.query(`ALTER TABLE runs DROP COLUMN capacity_limited`);
  }
}
