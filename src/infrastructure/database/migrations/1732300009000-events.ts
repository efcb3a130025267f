import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log (SPEC §13). An event's place in the log is (txid, seq): the id of the transaction
 * that wrote it, then a sequence that orders the events of one transaction. Readers only read below
 * the oldest transaction still running, so an event that commits late can never land behind a cursor
 * a reader already holds (docs/decisions.md, "Events"). No foreign keys: the log outlives runs
 * (RUN_RETENTION_DAYS) and must not slow or block the writes it records.
 */
export class Events1732300009000 implements MigrationInterface {
  name = 'Events1732300009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        type varchar(64) NOT NULL,
        at timestamptz(3) NOT NULL DEFAULT now(),
        org_id uuid NOT NULL,
        agent_id integer,
        run_id uuid,
        actor_subject varchar(300) NOT NULL,
        actor_kind varchar(16) NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'runtime', 'system')),
        request_id varchar(128),
        data jsonb NOT NULL DEFAULT '{}'
      )`);
    // One index per way in, each ending in the position so a page is a range of it, in order:
    // the org (admins, streams, members' visibility filter), an agent, a run, an actor, a type.
    await q.query(`CREATE INDEX events_org_position_idx ON events (org_id, txid, seq)`);
    await q.query(`CREATE INDEX events_agent_position_idx ON events (agent_id, txid, seq) WHERE agent_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_run_position_idx ON events (run_id, txid, seq) WHERE run_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_actor_position_idx ON events (org_id, actor_subject, txid, seq)`);
    await q.query(`CREATE INDEX events_type_position_idx ON events (org_id, type, txid, seq)`);
    // Retention needs no index of its own: it takes the oldest rows by the primary key (see EventsRepository.purgeOlderThan).
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE events`);
  }
}
