/**
 * Batches one call handles at most: a backlog (retention after downtime, a first sweep over a big
 * table) is worked off over several ticks, so a shutdown never waits on more than this many statements.
 */
const MAX_BATCHES = 20;

/**
 * Runs `step` until it handles fewer than `batchSize` rows (or MAX_BATCHES times), and returns how
 * many it handled in all. Each step is one short statement of its own (at most `batchSize` rows), so a
 * long backlog never becomes many locks held at once or one long transaction, which would hold back
 * every reader of the event log.
 */
export async function inBatches(batchSize: number, step: (batchSize: number) => Promise<number>, maxBatches = MAX_BATCHES): Promise<number> {
  let total = 0;
  for (let batches = 0; batches < maxBatches; batches++) {
    const handled = await step(batchSize);
    total += handled;
    if (handled < batchSize) break;
  }
  return total;
}
