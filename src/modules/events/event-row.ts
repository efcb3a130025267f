import { ActorKind, LoggedEvent } from './domain/event';
import { positionFromDatabase } from './domain/event-position';
import { EventType } from './domain/event-types';

/** An event as the log's statements select it (reads, and the append's RETURNING), and as LoggedEvent. */
export interface EventDatabaseRow {
  txid: string;
  seq: string;
  type: EventType;
  at: Date;
  orgId: string;
  agentId: number | null;
  runId: string | null;
  actorSubject: string;
  actorKind: ActorKind;
  requestId: string | null;
  data: Record<string, unknown>;
}

/** An event's columns as LoggedEvent's fields, of `events e` (a read, or an append's RETURNING). */
export const EVENT_COLUMNS = `e.txid::text AS txid, e.seq::text AS seq, e.type, e.at, e.org_id AS "orgId", e.agent_id AS "agentId", e.run_id AS "runId",
  e.actor_subject AS "actorSubject", e.actor_kind AS "actorKind", e.request_id AS "requestId", e.data`;

export const toEvent = (row: EventDatabaseRow): LoggedEvent => ({
  position: positionFromDatabase(row.txid, row.seq),
  type: row.type,
  at: row.at,
  orgId: row.orgId,
  agentId: row.agentId,
  runId: row.runId,
  actor: { subject: row.actorSubject, kind: row.actorKind },
  requestId: row.requestId,
  data: row.data,
});

