import type { Actor, RecordedChange } from '../../../infrastructure/database/change';
import { EventPosition } from './event-position';
import { EventType } from './event-types';

export type ActorKind = Actor['kind'];
export const ACTOR_KINDS: readonly ActorKind[] = ['user', 'api_key', 'runtime', 'system'];

/** Who caused an event, as the log shows it; the request id is the event's own field. */
export type EventActor = Pick<Actor, 'subject' | 'kind'>;

/**
 * What the log appends: a change as the write seam hands it to its readers (infrastructure/database/
 * change.ts), its type one of EVENT_TYPES. `data` is shown to everyone who may see the event (audit,
 * streams, webhooks, Slack), so it never holds a secret (an API key, a webhook secret, a token).
 */
export type NewEvent = RecordedChange;

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
