import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { Actor } from '../../src/infrastructure/database/change';
import type { NewEvent } from '../../src/modules/events/domain/event';
import type { EventType } from '../../src/modules/events/domain/event-types';
import { NOTIFY_ORGS_SQL } from '../../src/infrastructure/database/event-append.sql';
import { APPEND_EVENTS_SQL, appendParameters } from '../../src/modules/events/event-log.sql';
import { withDatabase } from './database';
import { api } from './http';
import { auth, Caller } from './principals';

export const EVENTS = '/api/v1/events';

/** What the write seam adds to a change: who made it (a user by default) and the request (a fresh id unless given). */
type ActorOption = { actor?: Pick<Actor, 'subject' | 'kind'>; requestId?: string | null };

/** An event as a use case would record it through the write seam; the test names what matters and the rest is filled in. */
export function newEvent(orgId: string, type: EventType, { actor, requestId, ...extra }: Partial<Omit<NewEvent, 'actor'>> & ActorOption = {}): NewEvent {
  return { type, orgId, data: {}, ...extra, actor: { subject: 'user:writer', kind: 'user', ...actor, requestId: requestId === undefined ? randomUUID() : requestId } };
}

/**
 * Appends with the service's own statement (EventLog.append's SQL) on `db`, in whatever transaction
 * `db` is in, and announces the orgs with the announcer's NOTIFY in that transaction: streams hear of
 * the events when it commits, as they hear of the service's after its COMMIT.
 */
export async function appendOn(db: Client, events: NewEvent[]): Promise<void> {
  await db.query(APPEND_EVENTS_SQL, appendParameters(events));
  await db.query(NOTIFY_ORGS_SQL, [[...new Set(events.map((event) => event.orgId))]]);
}

/** Appends in a transaction of its own, committed when this resolves. */
export const append = (...events: NewEvent[]): Promise<void> => withDatabase((db) => appendOn(db, events));

/** Every event the audit route shows `who` for `query`, following page tokens to the end. */
export async function auditAll(who: Caller, query: Record<string, string> = {}, baseUrl?: string): Promise<any[]> {
  const all: any[] = [];
  let pageToken: string | undefined;
  do {
    const params = new URLSearchParams({ ...query, pageSize: '100', ...(pageToken ? { pageToken } : {}) });
    const page = await api('GET', `${EVENTS}?${params}`, { ...auth(who), baseUrl });
    if (page.status !== 200) throw new Error(`audit failed: ${page.status} ${JSON.stringify(page.body)}`);
    all.push(...page.body.events);
    pageToken = page.body.nextPageToken ?? undefined;
  } while (pageToken);
  return all;
}
