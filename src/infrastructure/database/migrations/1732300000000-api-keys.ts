import { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1732300000000 implements MigrationInterface {
  name = 'ApiKeys1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        name varchar(200) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('admin', 'member')),
        prefix varchar(32) NOT NULL UNIQUE,
        secret_hash bytea NOT NULL,
        created_by varchar(300) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_org_idx ON api_keys (org_id, created_at DESC) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
  }
}
