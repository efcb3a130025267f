/**
 * Runs `step` until it handles fewer than `batchSize` rows, and returns how many it handled in all.
 * Each step is one short statement of its own (at most `batchSize` rows), so a long backlog (retention
 * after downtime, say) never becomes many locks held at once or one long transaction, which would
 * hold back every reader of the event log.
 */
export async function inBatches(batchSize: number, step: (batchSize: number) => Promise<number>): Promise<number> {
  let total = 0;
  let handled: number;
  do {
    handled = await step(batchSize);
    total += handled;
  } while (handled === batchSize);
  return total;
}
