/**
 * What a use case records about a write (SPEC §13): who did it, to what, and what changed. The unit of
 * work hands these to its readers inside the write's transaction; the event log will be one of them.
 */

/** Who acted: a person (JWT), an API key, a runtime key, or the service itself (sweeps, schedules). */
export interface Actor {
  subject: string;
  kind: 'user' | 'api_key' | 'runtime' | 'system';
  /** The request the change came with; none for the service's own work. */
  requestId: string | null;
}

/** The service's background work: sweeps, timeouts, schedule ticks. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ subject: 'system', kind: 'system', requestId: null });

/** One thing that happened, as the use case that did it describes it. */
export interface Change {
  /** What happened, as SPEC §13 names it: `agent.updated`, `run.succeeded`, `api_key.revoked`… */
  type: string;
  orgId: string;
  agentId?: number;
  runId?: string;
  /** What the type needs to be understood (before/after, the version, the run event…); never a secret. */
  data?: Record<string, unknown>;
}

/** A change with the actor of the transaction that recorded it, as readers get it. */
export interface RecordedChange extends Change {
  actor: Actor;
}
