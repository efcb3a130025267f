import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../../infrastructure/database/query-rows';
import { Usage, UsageTotals } from '../domain/run-usage';

export type UsageGrouping = 'agent' | 'day' | 'model';

/** One group of GET /usage: its key (the agent's id, the day or the model) and its totals. */
export interface UsageGroupRow extends UsageTotals {
  key: string;
  events: number;
}

export interface BudgetCrossing {
  month: string;
  spentUsd: number;
}

const GROUP_COLUMN: Record<UsageGrouping, string> = { agent: `agent_id::text`, day: `to_char(day, 'YYYY-MM-DD')`, model: 'model' };

/**
 * The usage report: $1 org, $2 and $3 the first and last day, then the agent ids (int[]) only when
 * given. One text per shape of filter, holding only the conditions it needs, as the claim's
 * (claimNextSql): a generic plan cannot fold `$4 IS NULL OR …`, so it could not read a given agent's
 * rows by usage_daily_agent_idx.
 */
function reportSql(groupBy: UsageGrouping, filters: { agents: boolean }): string {
  const ofAgent = filters.agents ? `AND agent_id = ANY($4::int[])` : '';
  return `SELECT ${GROUP_COLUMN[groupBy]} AS key, sum(input_tokens)::text AS "inputTokens", sum(output_tokens)::text AS "outputTokens", sum(cached_tokens)::text AS "cachedTokens",
            sum(reasoning_tokens)::text AS "reasoningTokens", sum(cost_usd)::text AS "costUsd", sum(events)::text AS events
     FROM usage_daily
     WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date ${ofAgent}
     GROUP BY 1 ORDER BY 1`;
}

/** The usage rollup (`usage_daily`, one row per org, UTC day, agent and model) and the budgets' month marks. */
@Injectable()
export class UsageRepository {
  /**
   * Adds one event's usage to its day's row and returns the agent's spend this UTC month, both in the
   * event's transaction (the rollup commits with the event or not at all). The month's sum reads at
   * most 31 rows of the agent (usage_daily_agent_idx) per model.
   */
  async add(db: EntityManager, orgId: string, agentId: number, usage: Usage): Promise<{ month: string; spentUsd: number }> {
    await db.query(
      `INSERT INTO usage_daily AS u (org_id, day, agent_id, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd, events)
       VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2, $3, $4, $5, $6, $7, round($8::numeric, 6), 1)
       ON CONFLICT (org_id, day, agent_id, model) DO UPDATE SET
         input_tokens = u.input_tokens + EXCLUDED.input_tokens, output_tokens = u.output_tokens + EXCLUDED.output_tokens,
         cached_tokens = u.cached_tokens + EXCLUDED.cached_tokens, reasoning_tokens = u.reasoning_tokens + EXCLUDED.reasoning_tokens,
         cost_usd = u.cost_usd + EXCLUDED.cost_usd, events = u.events + 1`,
      [orgId, agentId, usage.model, usage.inputTokens, usage.outputTokens, usage.cachedTokens, usage.reasoningTokens, usage.costUsd],
    );
    const [row] = await queryRows<{ month: string; spentUsd: string }>(
      db,
      `SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month, COALESCE(sum(cost_usd), 0)::text AS "spentUsd"
       FROM usage_daily WHERE agent_id = $1 AND day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date`,
      [agentId],
    );
    return { month: row.month, spentUsd: Number(row.spentUsd) };
  }

  /** The budget of the agent's active version (SPEC §15), or null. */
  async budgetOf(db: EntityManager, agentId: number): Promise<unknown> {
    const [row] = await queryRows<{ budget: unknown }>(db, `SELECT v.content->'budget' AS budget FROM agents a JOIN variations v ON v.id = a.active_variation_id WHERE a.id = $1`, [agentId]);
    return row?.budget ?? null;
  }

  /** Marks the agent's budget as crossed for the month; false when it already was (the key keeps it once a month). */
  async markCrossed(db: EntityManager, mark: { orgId: string; agentId: number; month: string; spentUsd: number; monthlyUsd: number; onExceeded: string }): Promise<boolean> {
    const rows = await queryRows(
      db,
      `INSERT INTO budget_alerts (agent_id, month, org_id, spent_usd, monthly_usd, on_exceeded) VALUES ($1, $2::date, $3, $4, $5, $6)
       ON CONFLICT (agent_id, month) DO NOTHING RETURNING agent_id`,
      [mark.agentId, mark.month, mark.orgId, mark.spentUsd, mark.monthlyUsd, mark.onExceeded],
    );
    return rows.length === 1;
  }

  /**
   * Totals of the org's usage over days `from`..`to` (inclusive), grouped; only `agentIds`' when given.
   * Reads the rollup by its primary key's (org_id, day) prefix: the cost follows the days and agents
   * in the range, not the number of runs.
   */
  async report(db: EntityManager, query: { orgId: string; from: string; to: string; groupBy: UsageGrouping; agentIds?: number[] }): Promise<UsageGroupRow[]> {
    const agents = query.agentIds !== undefined;
    const rows = await queryRows<Record<string, string>>(db, reportSql(query.groupBy, { agents }), [query.orgId, query.from, query.to, ...(agents ? [query.agentIds] : [])]);
    return rows.map((row) => ({
      key: row.key,
      inputTokens: Number(row.inputTokens),
      outputTokens: Number(row.outputTokens),
      cachedTokens: Number(row.cachedTokens),
      reasoningTokens: Number(row.reasoningTokens),
      costUsd: Number(row.costUsd),
      events: Number(row.events),
    }));
  }
}
