/**
 * The event log's table as a write that is not a use case (the run claim, one statement for speed)
 * appends to it: here, below both the events module that owns the log and the modules that write it,
 * so the statement can name the table without its module importing the events module.
 */

/** The channel event appends and key revocations are announced on; one LISTEN per instance hears it (EventStreams). */
export const EVENTS_CHANNEL = 'agentry_events';

/** Payloads on EVENTS_CHANNEL: `org:<orgId>` when events of the org committed, `revoked-key:<keyId>` when an API key was revoked. */
export const ORG_PAYLOAD = 'org:';
export const REVOKED_KEY_PAYLOAD = 'revoked-key:';

/** The columns an appended event sets; `txid`, `at` and `seq` are the database's (column defaults). */
export const EVENT_INSERT_COLUMNS = 'type, org_id, agent_id, run_id, actor_subject, actor_kind, request_id, data';

/** One NOTIFY per org of `$1` (text[]): the orgs whose events committed. */
export const NOTIFY_ORGS_SQL = `SELECT pg_notify('${EVENTS_CHANNEL}', '${ORG_PAYLOAD}' || o) FROM unnest($1::text[]) o`;

/**
 * One NOTIFY per org of the rows of `appended` (a CTE returning `org_id`), which PostgreSQL delivers
 * at COMMIT and drops on ROLLBACK, as the rows.
 */
export const notifyOrgsOf = (appended: string): string =>
  `SELECT pg_notify('${EVENTS_CHANNEL}', '${ORG_PAYLOAD}' || o.org_id) FROM (SELECT DISTINCT org_id FROM ${appended}) o`;
