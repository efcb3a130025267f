import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every timestamp column of the service's tables (pg-boss keeps its own schema and is not ours). */
const TIMESTAMP_COLUMNS: Record<string, string[]> = {
  api_keys: ['created_at', 'last_used_at', 'revoked_at'],
  agents: ['created_at', 'updated_at', 'deleted_at', 'next_run_at', 'last_tick_at', 'digest_due_at'],
  variations: ['created_at', 'updated_at', 'published_at'],
  ownership_transfers: ['requested_at', 'expires_at', 'resolved_at'],
  runs: ['scheduled_for', 'claimed_at', 'lease_expires_at', 'started_at', 'timeout_at', 'finished_at', 'created_at'],
  run_events: ['at'],
  notifications: ['digest_for', 'next_attempt_at', 'sending_until', 'created_at', 'delivered_at'],
  notification_channels: ['planned_until', 'next_send_at'],
};

async function alterAll(q: QueryRunner, type: string): Promise<void> {
  for (const [table, columns] of Object.entries(TIMESTAMP_COLUMNS)) {
    await q.query(`ALTER TABLE ${table} ${columns.map((column) => `ALTER COLUMN ${column} TYPE ${type}`).join(', ')}`);
  }
}

/**
 * Timestamps keep the milliseconds the API shows, not PostgreSQL's microseconds: a run shown as
 * …44.254Z but stored as …44.2545 came back for `createdAfter=…44.254Z`. With the column rounding
 * on write, a stored value is the shown value, so filters compare exact values and indexes on the
 * plain columns keep serving them. Each table is rewritten once (one ALTER TABLE per table).
 */
export class ShownTimestampPrecision1732300007000 implements MigrationInterface {
  name = 'ShownTimestampPrecision1732300007000';

  async up(q: QueryRunner): Promise<void> {
    await alterAll(q, 'timestamptz(3)');
  }

  /** Back to microseconds: no rewrite, and the values stored meanwhile stay whole milliseconds. */
  async down(q: QueryRunner): Promise<void> {
    await alterAll(q, 'timestamptz');
  }
}
