import { RunStatus } from './domain/run-status';

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
}

export interface RunEventRow {
  seq: number;
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
  finishedAt?: Stamp;
}
