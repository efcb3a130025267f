import { acceptsHeartbeat, isFinal, nextRunStatus, RUN_STATUSES, RunMove, RunStatus } from './run-status';

/** SPEC §8's table, written out independently of the implementation's. */
const ALLOWED: [RunStatus, RunMove, RunStatus][] = [
  ['queued', 'started', 'running'],
  ['running', 'action_taken', 'running'],
  ['running', 'approval_required', 'awaiting_approval'],
  ['awaiting_approval', 'approve', 'queued'],
  ['awaiting_approval', 'reject', 'queued'],
  ['running', 'outcome', 'succeeded'],
  ['queued', 'error', 'failed'],
  ['running', 'error', 'failed'],
  ['queued', 'cancel', 'cancelled'],
  ['running', 'cancel', 'cancelled'],
  ['awaiting_approval', 'cancel', 'cancelled'],
  ['running', 'time_out', 'failed'],
];
const MOVES: RunMove[] = ['started', 'action_taken', 'approval_required', 'outcome', 'error', 'approve', 'reject', 'cancel', 'time_out'];
const REFUSED = RUN_STATUSES.flatMap((from) => MOVES.map((move): [RunStatus, RunMove] => [from, move])).filter(
  ([from, move]) => !ALLOWED.some(([f, m]) => f === from && m === move),
);

describe('nextRunStatus', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, move, to) => {
    expect(nextRunStatus(from, move)).toBe(to);
  });

  it.each(REFUSED)('refuses %s --%s-->', (from, move) => {
    expect(nextRunStatus(from, move)).toBeNull();
  });

  it('covers every status and move: 12 allowed, the other 42 refused', () => {
    expect(ALLOWED.length + REFUSED.length).toBe(RUN_STATUSES.length * MOVES.length);
    expect(REFUSED).toHaveLength(42);
  });

  it('lets nothing leave a final status', () => {
    for (const from of RUN_STATUSES.filter(isFinal)) for (const move of MOVES) expect(nextRunStatus(from, move)).toBeNull();
  });
});

describe('acceptsHeartbeat', () => {
  it('keeps claims and running runs alive, nothing else', () => {
    expect(RUN_STATUSES.filter(acceptsHeartbeat)).toEqual(['queued', 'running']);
  });
});
