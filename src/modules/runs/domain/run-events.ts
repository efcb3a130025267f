import type { Change } from '../../../infrastructure/database/change';
import { RunEventType } from './run-status';

/** What a run's log says happened: the runtime's reports, the callers' decisions, and the sweeps' own. */
type RunLogType = RunEventType | 'cancelled' | 'approved' | 'rejected' | 'lease_expired' | 'claim_revoked' | 'retrying';

/** A run event as written to its run's log, with the run's org and agent, for the change it records. */
export interface WrittenRunEvent {
  runId: string;
  orgId: string;
  agentId: number;
  seq: number;
  type: string;
  message: string | null;
}

/** The change each run event records (SPEC §13's names); a timeout's `error` is recorded as `run.timed_out`. */
const CHANGE_OF: Record<RunLogType, string> = {
  started: 'run.started',
  action_taken: 'run.action_taken',
  approval_required: 'run.approval_required',
  outcome: 'run.succeeded',
  error: 'run.failed',
  cancelled: 'run.cancelled',
  approved: 'run.approved',
  rejected: 'run.rejected',
  lease_expired: 'run.lease_expired',
  claim_revoked: 'run.claim_revoked',
  retrying: 'run.retrying',
};

/** The change a run event records: the event itself is its data (`seq`, `event`, `message`). */
export function runEventChange(event: WrittenRunEvent, type = CHANGE_OF[event.type as RunLogType]): Change {
  if (!type) throw new Error(`no change is named for run event ${event.type}`);
  return { type, orgId: event.orgId, agentId: event.agentId, runId: event.runId, data: { seq: event.seq, event: event.type, message: event.message } };
}

/** The run event a recorded change, or the event the log made of it, carries, if it is one (what the Slack outbox reads). */
export function runEventOf(change: Omit<Change, 'agentId' | 'runId'> & { agentId?: number | null; runId?: string | null }): Pick<WrittenRunEvent, 'runId' | 'seq' | 'type' | 'message'> | undefined {
  const data = change.data;
  if (!change.runId || !data || typeof data.seq !== 'number' || typeof data.event !== 'string') return undefined;
  return { runId: change.runId, seq: data.seq, type: data.event, message: typeof data.message === 'string' ? data.message : null };
}

/** A run queued by a caller or a schedule tick. */
export function runQueuedChange(run: { id: string; orgId: string; agentId: number; trigger: string; variationVersion: number; scheduledFor: Date | null }): Change {
  const data = { trigger: run.trigger, version: run.variationVersion, scheduledFor: run.scheduledFor === null ? null : new Date(run.scheduledFor).toISOString() };
  return { type: 'run.queued', orgId: run.orgId, agentId: run.agentId, runId: run.id, data };
}
