/**
 * Would giving agent `agentId` the sub-agents `proposed` let a run reach
 * `agentId` again through the sub-agents other agents already have?
 * Returns the shortest such path, starting and ending at `agentId` (e.g.
 * [5, 7, 9, 5]), or null. `agentId`'s current sub-agents are never read:
 * `proposed` replaces them. Breadth-first and iterative, so each agent is
 * looked up at most once and a long chain cannot overflow the stack; cycles
 * already present among other agents do not make it loop.
 */
export function findSubAgentCycle(
  agentId: number,
  proposed: number[],
  subAgentsOf: (id: number) => readonly number[],
): number[] | null {
  // Each reached agent points back at the agent it was reached from; agentId marks the first hop.
  const reachedFrom = new Map<number, number>();
  const queue: number[] = [];
  const reach = (id: number, from: number): number[] | null => {
    if (id === agentId) return [...pathTo(from, reachedFrom, agentId), agentId];
    if (!reachedFrom.has(id)) {
      reachedFrom.set(id, from);
      queue.push(id);
    }
    return null;
  };

  for (const id of proposed) {
    const cycle = reach(id, agentId);
    if (cycle) return cycle;
  }
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head];
    for (const id of subAgentsOf(current)) {
      const cycle = reach(id, current);
      if (cycle) return cycle;
    }
  }
  return null;
}

/** The path from `root` to `id`, following the back-pointers. */
function pathTo(id: number, reachedFrom: ReadonlyMap<number, number>, root: number): number[] {
  const path = [id];
  for (let at = id; at !== root; ) {
    at = reachedFrom.get(at)!;
    path.push(at);
  }
  return path.reverse();
}
