import { Principal } from '../../auth/domain/principal';
import { EventPosition } from './event-position';
import { EventType } from './event-types';

export const ACTOR_KINDS = ['user', 'api_key', 'runtime', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Who caused an event: a principal's subject (`user:<sub>`, `apikey:<id>`) or `system:<job>` for sweeps and timeouts. */
export interface EventActor {
  subject: string;
  kind: ActorKind;
}

/**
 * What a use case records, in its own transaction, through EventLog.append. `data` is the event's
 * JSON payload: it must never hold a secret (an API key, a webhook secret, a token), since every
 * reader of the log (audit, streams, webhooks, Slack) shows it to whoever may see the event.
 */
export interface NewEvent {
  type: EventType;
  orgId: string;
  /** The agent's numeric id, when the event concerns an agent (run events name their run's agent too). */
  agentId?: number | null;
  runId?: string | null;
  actor: EventActor;
  /** The X-Request-Id of the request that caused it; null for background work. */
  requestId?: string | null;
  data?: Record<string, unknown>;
}

/** An event as the log holds it. `at` is the time of the transaction that wrote it. */
export interface LoggedEvent {
  position: EventPosition;
  type: EventType;
  at: Date;
  orgId: string;
  agentId: number | null;
  runId: string | null;
  actor: EventActor;
  requestId: string | null;
  data: Record<string, unknown>;
}

/** The actor of a request's events: a person, an API key, or an agent runtime's key. */
export function actorOf(principal: Principal): EventActor {
  if (principal.isRuntime) return { subject: principal.subject, kind: 'runtime' };
  return { subject: principal.subject, kind: principal.apiKeyId === undefined ? 'user' : 'api_key' };
}

/** The actor of background work: `job` names it (`runs-time-out`, `schedule-sweep`). */
export const systemActor = (job: string): EventActor => ({ subject: `system:${job}`, kind: 'system' });
