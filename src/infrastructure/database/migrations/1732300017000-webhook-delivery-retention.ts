import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries are kept WEBHOOK_DELIVERY_RETENTION_DAYS: the retention sweep takes the oldest
 * finished ones in batches. This index holds the finished ones by age, so a batch is one short index
 * range however long the log, and a sweep that finds nothing to remove reads nothing else.
 */
export class WebhookDeliveryRetention1732300017000 implements MigrationInterface {
  name = 'WebhookDeliveryRetention1732300017000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (created_at) WHERE status <> 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_finished_idx`);
  }
}
