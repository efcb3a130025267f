import { RunStatus } from './domain/run-status';
import { UsageTotals } from './domain/run-usage';

export type RunTrigger = 'manual' | 'schedule';

export interface RunError {
  code: string;
  message: string;
}

export interface RunApproval {
  state: 'pending' | 'approved' | 'rejected';
  message: string | null;
  data: unknown;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
}

/** A run as stored. */
export interface RunRow {
  id: string;
  seq: string;
  orgId: string;
  agentId: number;
  variationId: string;
  variationVersion: number;
  status: RunStatus;
  trigger: RunTrigger;
  scheduledFor: Date | null;
  input: unknown;
  output: unknown;
  error: RunError | null;
  approval: RunApproval | null;
  attempt: number;
  /** How many times a retryable error sent it back to the queue (SPEC §15). */
  retries: number;
  claimedBy: string | null;
  claimedAt: Date | null;
  leaseExpiresAt: Date | null;
  startedAt: Date | null;
  timeoutAt: Date | null;
  finishedAt: Date | null;
  createdBy: string;
  createdAt: Date;
  /** The W3C traceparent of the request that created the run, when tracing was on. */
  traceparent: string | null;
  /** The environment it was started on and the side of its split (SPEC §14); null for an explicit version or a run from before environments. */
  environment: string | null;
  routedTo: 'primary' | 'canary' | null;
  /** The run this one replays (SPEC §15), or null. */
  replayOf: string | null;
  /** The sums of the usage its events reported (SPEC §15); null when none did. */
  usage: UsageTotals | null;
}

export interface RunEventRow {
  seq: number;
  /** The run's attempt when the event was written; null for events written before attempts were recorded. */
  attempt: number | null;
  type: string;
  message: string | null;
  data: unknown;
  at: Date;
}

/** Stands for the database's `now()` in a change, so every instance stamps runs with one clock. */
export const DB_NOW: unique symbol = Symbol('the database clock');
type Stamp = Date | typeof DB_NOW | null;

/** The run columns a use case may change. */
export interface RunChanges {
  status?: RunStatus;
  output?: unknown;
  error?: RunError | null;
  approval?: RunApproval | null;
  claimedBy?: string | null;
  claimedAt?: Stamp;
  leaseExpiresAt?: Stamp;
  startedAt?: Stamp;
  /** The running run times out this many seconds from now (the database's now). */
  timeoutInSeconds?: number;
  /**
   * Back to the queue for the next try after this many seconds (SPEC §15 retries): attempt + 1, the
   * try's first attempt, one more retry, and the wait held as a lease without a claimant.
   */
  retryInSeconds?: number;
  finishedAt?: Stamp;
}
