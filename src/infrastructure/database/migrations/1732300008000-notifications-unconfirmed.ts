import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `unconfirmed_since`: when the earliest try whose outcome nobody saw began (the process died while
 * Slack had the message, or Slack's answer timed out). The next try looks for the message in the
 * channel from then on before posting it again. A try interrupted before this column existed left
 * `sending_until` set: it is treated as unconfirmed since the notification was created.
 */
export class NotificationsUnconfirmed1732300008000 implements MigrationInterface {
  name = 'NotificationsUnconfirmed1732300008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications ADD COLUMN unconfirmed_since timestamptz(3)`);
    await q.query(`UPDATE notifications SET unconfirmed_since = created_at WHERE status = 'pending' AND sending_until IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP COLUMN unconfirmed_since`);
  }
}
