import { addUsage, overBudget } from './run-usage';

const usage = { model: 'gpt-4o', inputTokens: 10, outputTokens: 5, cachedTokens: 2, reasoningTokens: 1, costUsd: 0.1 };

describe('run usage', () => {
  it('starts the totals at the first report and adds every count and the cost', () => {
    const once = addUsage(null, usage);
    expect(once).toEqual({ inputTokens: 10, outputTokens: 5, cachedTokens: 2, reasoningTokens: 1, costUsd: 0.1 });
    expect(addUsage(once, { ...usage, inputTokens: 2_147_483_647, costUsd: 0.2 })).toEqual({ inputTokens: 2_147_483_657, outputTokens: 10, cachedTokens: 4, reasoningTokens: 2, costUsd: 0.3 });
  });

  it('rounds the cost to the micro-dollar, as the run row and the rollup store it', () => {
    expect(addUsage(null, { ...usage, costUsd: 0.0000004 }).costUsd).toBe(0);
    expect(addUsage(addUsage(null, { ...usage, costUsd: 0.1 }), { ...usage, costUsd: 0.2 }).costUsd).toBe(0.3);
  });

  it('crosses a budget only when the spend passes it', () => {
    expect(overBudget(1, 1)).toBe(false);
    expect(overBudget(1.000001, 1)).toBe(true);
  });

});
