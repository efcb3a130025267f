import { EVENT_INSERT_COLUMNS } from '../../infrastructure/database/event-append.sql';
import { NewEvent } from './domain/event';
import { EVENT_COLUMNS } from './event-row';

/**
 * One statement for a whole batch, the rows in the order given (so their `seq` follows it). `txid`,
 * `at` and `seq` are the database's (column defaults). It returns nothing, for when no reader needs
 * the stored rows (EventLog.append), and notifies no one: a NOTIFY in the write's transaction would
 * serialize its COMMIT with every other notifying one (EventAnnouncer says why and announces the
 * orgs after COMMIT instead).
 */
export const APPEND_EVENTS_UNREAD_SQL = `INSERT INTO events AS e (${EVENT_INSERT_COLUMNS})
    SELECT g.type, g.org_id, g.agent_id, g.run_id, g.actor_subject, g.actor_kind, g.request_id, g.data
    FROM unnest($1::text[], $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
      WITH ORDINALITY AS g(type, org_id, agent_id, run_id, actor_subject, actor_kind, request_id, data, n)
    ORDER BY g.n`;

/** The same append returning the rows as stored, positions included, for the log's readers in the transaction. */
export const APPEND_EVENTS_SQL = `${APPEND_EVENTS_UNREAD_SQL}
  RETURNING ${EVENT_COLUMNS}`;

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
