import fc from 'fast-check';
import { findSubAgentCycle } from './sub-agent-graph';

/** A lookup over a fixed sub-agent table that records which agents were asked about. */
function table(entries: Record<number, number[]>) {
  const lookups: number[] = [];
  const subAgentsOf = (id: number): readonly number[] => {
    lookups.push(id);
    return entries[id] ?? [];
  };
  return { subAgentsOf, lookups };
}

describe('findSubAgentCycle', () => {
  it('finds no cycle when nothing leads back', () => {
    const { subAgentsOf } = table({ 7: [8], 8: [9], 9: [] });
    expect(findSubAgentCycle(5, [7], subAgentsOf)).toBeNull();
    expect(findSubAgentCycle(5, [], subAgentsOf)).toBeNull();
  });

  it('returns the path back to the agent', () => {
    const { subAgentsOf } = table({ 7: [9], 9: [5] });
    expect(findSubAgentCycle(5, [7], subAgentsOf)).toEqual([5, 7, 9, 5]);
  });

  it('returns a direct two-agent cycle', () => {
    expect(findSubAgentCycle(5, [3, 7], table({ 7: [5] }).subAgentsOf)).toEqual([5, 7, 5]);
  });

  it('reports a self-reference as [id, id]', () => {
    expect(findSubAgentCycle(5, [7, 5], table({}).subAgentsOf)).toEqual([5, 5]);
  });

  it('ignores the agent’s current sub-agents, which the proposal replaces', () => {
    const { subAgentsOf, lookups } = table({ 5: [7], 7: [] });
    expect(findSubAgentCycle(5, [7], subAgentsOf)).toBeNull();
    expect(lookups).not.toContain(5);
  });

  it('returns the shortest cycle when there are several', () => {
    const { subAgentsOf } = table({ 1: [2], 2: [3], 3: [5], 4: [5] });
    expect(findSubAgentCycle(5, [1, 4], subAgentsOf)).toEqual([5, 4, 5]);
  });

  it('terminates on cycles among other agents and looks each agent up once', () => {
    const { subAgentsOf, lookups } = table({ 1: [2, 3], 2: [3, 1], 3: [1, 2] });
    expect(findSubAgentCycle(5, [1, 2, 1], subAgentsOf)).toBeNull();
    expect([...lookups].sort()).toEqual([1, 2, 3]);
  });

  it('follows a long chain without recursion', () => {
    const length = 100_000;
    const subAgentsOf = (id: number): readonly number[] => (id < length ? [id + 1] : [0]);
    const cycle = findSubAgentCycle(0, [1], subAgentsOf);
    expect(cycle).toHaveLength(length + 2);
    expect(cycle?.slice(0, 3)).toEqual([0, 1, 2]);
    expect(cycle?.slice(-2)).toEqual([length, 0]);
  });

  it('finds a cycle exactly when the agent is reachable, and returns a real path', () => {
    const graphs = fc.tuple(
      fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
      fc.dictionary(
        fc.integer({ min: 1, max: 6 }).map(String),
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
      ),
    );
    fc.assert(
      fc.property(graphs, ([proposed, entries]) => {
        const edges = (id: number): number[] => (id === 0 ? proposed : (entries[id] ?? []));
        // Oracle: plain reachability from 0's proposed sub-agents.
        const seen = new Set<number>();
        const pending = [...proposed];
        while (pending.length > 0) {
          const id = pending.pop()!;
          if (seen.has(id)) continue;
          seen.add(id);
          if (id !== 0) pending.push(...edges(id));
        }

        const cycle = findSubAgentCycle(0, proposed, (id) => entries[id] ?? []);
        expect(cycle !== null).toBe(seen.has(0));
        if (cycle === null) return;
        expect(cycle[0]).toBe(0);
        expect(cycle[cycle.length - 1]).toBe(0);
        expect(cycle.slice(1, -1)).not.toContain(0);
        for (let i = 1; i < cycle.length; i++) expect(edges(cycle[i - 1])).toContain(cycle[i]);
      }),
    );
  });
});
