/** Where a run is (SPEC §8). `succeeded`, `failed` and `cancelled` are final. */
export const RUN_STATUSES = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What the runtime reports about a run. */
export const RUN_EVENT_TYPES = ['started', 'action_taken', 'approval_required', 'outcome', 'error'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/** Everything that can move a run: the runtime's events, the callers' decisions, and the timeout sweep. */
export type RunMove = RunEventType | 'approve' | 'reject' | 'cancel' | 'time_out';

export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** The status machine, exactly as SPEC §8's table: each move and the statuses it may leave from. */
const TRANSITIONS: Record<RunMove, Partial<Record<RunStatus, RunStatus>>> = {
  started: { queued: 'running' },
  action_taken: { running: 'running' },
  approval_required: { running: 'awaiting_approval' },
  outcome: { running: 'succeeded' },
  error: { queued: 'failed', running: 'failed' },
  approve: { awaiting_approval: 'queued' },
  reject: { awaiting_approval: 'queued' },
  cancel: { queued: 'cancelled', running: 'cancelled', awaiting_approval: 'cancelled' },
  time_out: { running: 'failed' },
};

/** The status a move leads to, or null when the move is not allowed from `from` (a 409 for the caller). */
export function nextRunStatus(from: RunStatus, move: RunMove): RunStatus | null {
  return TRANSITIONS[move][from] ?? null;
}

export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.includes(status);

/**
 * A heartbeat keeps a claim (queued, leased) or a running run alive; anything else has nothing to
 * keep alive, and the 409 is how a runtime learns that its run was cancelled or has finished.
 */
export const acceptsHeartbeat = (status: RunStatus): boolean => status === 'queued' || status === 'running';
