import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage and budgets (SPEC §15). A run keeps its usage totals on its row (`usage`, null until an event
 * reports some), updated by the statement that appends the event. `usage_daily` is the rollup GET
 * /usage reads: one row per (org, UTC day, agent, model), upserted in the event's transaction, so the
 * report reads rows per day in the range, never runs (docs/decisions.md, "Issue #25: Usage and budgets").
 * `budget_alerts` holds one row per agent and UTC month whose budget was crossed: its key makes the
 * pause (or notice) and its `agent.budget_exceeded` event happen once a month, whatever races.
 */
export class Usage1732300013700 implements MigrationInterface {
  name = 'Usage1732300013700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs ADD COLUMN usage jsonb`);
    await q.query(`CREATE TABLE usage_daily (
      org_id uuid NOT NULL,
      day date NOT NULL,
      agent_id int NOT NULL,
      model text NOT NULL,
      input_tokens bigint NOT NULL,
      output_tokens bigint NOT NULL,
      cached_tokens bigint NOT NULL,
      reasoning_tokens bigint NOT NULL,
      cost_usd numeric(20, 6) NOT NULL,
      events int NOT NULL,
      PRIMARY KEY (org_id, day, agent_id, model)
    )`);
    // The budget's month total: one agent's rows of one month.
    await q.query(`CREATE INDEX usage_daily_agent_idx ON usage_daily (agent_id, day)`);
    await q.query(`CREATE TABLE budget_alerts (
      agent_id int NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
      month date NOT NULL,
      org_id uuid NOT NULL,
      spent_usd numeric(20, 6) NOT NULL,
      monthly_usd numeric(20, 6) NOT NULL,
      on_exceeded text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (agent_id, month)
    )`);
    // A crossed budget notifies Slack as its own kind of notification (no run, no digest day).
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_event_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN ('action_taken', 'approval_required', 'outcome', 'error', 'digest', 'budget_exceeded'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notifications WHERE event = 'budget_exceeded'`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_event_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN ('action_taken', 'approval_required', 'outcome', 'error', 'digest'))`);
    await q.query(`DROP TABLE budget_alerts`);
    await q.query(`DROP TABLE usage_daily`);
    await q.query(`ALTER TABLE runs DROP COLUMN usage`);
  }
}
