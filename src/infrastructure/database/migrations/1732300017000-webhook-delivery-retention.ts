import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from './concurrent-index';

/**
 * Webhook deliveries are kept WEBHOOK_DELIVERY_RETENTION_DAYS: the retention sweep takes the oldest
 * finished ones in batches. This index holds the finished ones by age, so a batch is one short index
 * range however long the log, and a sweep that finds nothing to remove reads nothing else. The table
 * had no retention before, so it may be big: built concurrently.
 */
export class WebhookDeliveryRetention1732300017000 implements MigrationInterface {
  name = 'WebhookDeliveryRetention1732300017000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(q, 'webhook_deliveries_finished_idx', `webhook_deliveries (created_at) WHERE status <> 'pending'`);
  }

  /** A plain DROP: TypeORM reverts in a transaction whatever `transaction` says, and dropping is quick. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS webhook_deliveries_finished_idx`);
  }
}
