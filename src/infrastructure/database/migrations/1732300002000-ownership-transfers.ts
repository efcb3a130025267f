import { MigrationInterface, QueryRunner } from 'typeorm';

export class OwnershipTransfers1732300002000 implements MigrationInterface {
  name = 'OwnershipTransfers1732300002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ownership_transfers (
        id uuid PRIMARY KEY,
        agent_id integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        from_principal varchar(300) NOT NULL,
        to_principal varchar(300) NOT NULL,
        requested_by varchar(300) NOT NULL,
        state varchar(16) NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'cancelled', 'expired')),
        requested_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        resolved_at timestamptz
      )`);
    // One pending transfer per agent; expired ones are closed (state 'expired') before a new request.
    await q.query(`CREATE UNIQUE INDEX ownership_transfers_one_pending_idx ON ownership_transfers (agent_id) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX ownership_transfers_incoming_idx ON ownership_transfers (org_id, to_principal) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX ownership_transfers_outgoing_idx ON ownership_transfers (org_id, from_principal) WHERE state = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ownership_transfers`);
  }
}
