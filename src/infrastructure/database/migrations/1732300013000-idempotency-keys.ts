import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys (SPEC §15): one row per caller and key, inserted before the request runs, so the
 * unique key decides between instances which request acts and which replays or waits. `token` names
 * the try that holds the row (a crashed instance's try is taken over once `locked_until` passed);
 * `state` is `in_flight`, then `committed` in the write's own transaction (with the use case's result),
 * then `completed` with the answer as sent.
 */
export class IdempotencyKeys1732300013000 implements MigrationInterface {
  name = 'IdempotencyKeys1732300013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE idempotency_keys (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      org_id uuid NOT NULL,
      caller text NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      state text NOT NULL CHECK (state IN ('in_flight', 'committed', 'completed')),
      token uuid NOT NULL,
      locked_until timestamptz(3) NOT NULL,
      response_status int,
      response_body jsonb,
      response_headers jsonb,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT idempotency_keys_caller_key UNIQUE (org_id, caller, key))`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
