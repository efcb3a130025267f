import { EVENT_INSERT_COLUMNS } from '../../infrastructure/database/event-append.sql';
import { NewEvent } from './domain/event';

/**
 * One statement for a whole batch, the rows in the order given (so their `seq` follows it). `txid`,
 * `at` and `seq` are the database's (column defaults). It returns the org of each row stored, and
 * notifies no one: a NOTIFY in the write's
 * transaction would serialize its COMMIT with every other notifying one (EventAnnouncer says why and
 * announces the orgs after COMMIT instead).
 */
export const APPEND_EVENTS_SQL = `INSERT INTO events (${EVENT_INSERT_COLUMNS})
    SELECT e.type, e.org_id, e.agent_id, e.run_id, e.actor_subject, e.actor_kind, e.request_id, e.data
    FROM unnest($1::text[], $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
      WITH ORDINALITY AS e(type, org_id, agent_id, run_id, actor_subject, actor_kind, request_id, data, n)
    ORDER BY e.n
  RETURNING org_id`;

/** The parameters of APPEND_EVENTS_SQL for `events`, column by column. */
export function appendParameters(events: readonly NewEvent[]): unknown[] {
  return [
    events.map((e) => e.type),
    events.map((e) => e.orgId),
    events.map((e) => e.agentId ?? null),
    events.map((e) => e.runId ?? null),
    events.map((e) => e.actor.subject),
    events.map((e) => e.actor.kind),
    events.map((e) => e.actor.requestId),
    events.map((e) => JSON.stringify(e.data ?? {})),
  ];
}
