/** SPEC §15: what one `action_taken` or `outcome` event reports it cost. */
export interface Usage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

/** A run's (or a group's) totals: every token count summed, and the cost. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

/**
 * Bounds of one event's usage. Tokens are int32 per event (stored summed as bigint, which 2^31 events
 * of the largest value cannot overflow); one event's cost is at most $1,000,000, so a month's sum stays
 * exact in numeric and far inside a double when shown.
 */
export const USAGE_LIMITS = { modelLength: 100, maxTokens: 2_147_483_647, maxCostUsd: 1_000_000 } as const;

/**
 * The run's totals after one more event's usage (null totals: none reported yet), computed on the run
 * row locked for the event and written by the statement that appends it. Costs are rounded to the
 * micro-dollar, as the rollup stores them.
 */
export function addUsage(totals: UsageTotals | null, usage: Usage): UsageTotals {
  const base = totals ?? { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd: 0 };
  return {
    inputTokens: base.inputTokens + usage.inputTokens,
    outputTokens: base.outputTokens + usage.outputTokens,
    cachedTokens: base.cachedTokens + usage.cachedTokens,
    reasoningTokens: base.reasoningTokens + usage.reasoningTokens,
    costUsd: Math.round((base.costUsd + usage.costUsd) * 1e6) / 1e6,
  };
}

/** Whether the month's spend (after the event) is over the budget: crossing is the first event for which this holds. */
export const overBudget = (monthSpendUsd: number, monthlyUsd: number): boolean => monthSpendUsd > monthlyUsd;
