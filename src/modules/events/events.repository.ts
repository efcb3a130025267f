import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EVENTS_CHANNEL, REVOKED_KEY_PAYLOAD } from '../../infrastructure/database/event-append.sql';
import { queryRows } from '../../infrastructure/database/query-rows';
import { accessSql } from '../access/access-sql';
import { ACCESS_RANK } from '../access/domain/access.policy';
import { LoggedEvent } from './domain/event';
import { EventPosition } from './domain/event-position';
import { EventType } from './domain/event-types';
import { TYPES_SEEN_WITH_USE } from './domain/event-visibility';
import { EVENT_COLUMNS, EventDatabaseRow, toEvent } from './event-row';

/** Which events a read returns; every bound is exclusive. */
export interface EventFilter {
  orgId: string;
  /** null: an org admin, who sees every event of the org. Else the caller's subject and accessPrincipalsFor. */
  visibleTo: { subject: string; principals: string[] } | null;
  /** Exactly these types (globs are expanded before); undefined: all. */
  types?: readonly EventType[];
  agentId?: number;
  runId?: string;
  actorSubject?: string;
  after?: EventPosition;
  before?: EventPosition;
}

export interface EventReadOptions {
  order: 'asc' | 'desc';
  limit: number;
  /**
   * Only events below the oldest transaction still running: a reader that resumes after the last one
   * it got can never miss one that commits later. False only where nothing can follow (a finished run).
   */
  settledOnly: boolean;
}

/** The transaction id below which every transaction has ended: what is there is all that ever will be. */
const HORIZON = `pg_snapshot_xmin(pg_current_snapshot())`;

/** The event log's reads and retention. Appends are EventLog's (event-log.ts). */
@Injectable()
export class EventsRepository {
  /**
   * A page of the log in position order, filtered in SQL. Each filter has an index that ends in the
   * position (see the events migration), so a page is one ordered index range: no sort, however long
   * the log. A member's visibility is the access policy as SQL (access-sql.ts), probed per row.
   */
  read(db: EntityManager, filter: EventFilter, options: EventReadOptions): Promise<LoggedEvent[]> {
    const values: unknown[] = [filter.orgId];
    const bind = (value: unknown) => `$${values.push(value)}`;
    const conditions = ['e.org_id = $1'];
    if (options.settledOnly) conditions.push(`e.txid < (SELECT ${HORIZON})`);
    if (filter.after) conditions.push(`(e.txid, e.seq) > (${bind(String(filter.after.txid))}::xid8, ${bind(String(filter.after.seq))}::bigint)`);
    if (filter.before) conditions.push(`(e.txid, e.seq) < (${bind(String(filter.before.txid))}::xid8, ${bind(String(filter.before.seq))}::bigint)`);
    if (filter.types) {
      conditions.push(filter.types.length === 1 ? `e.type = ${bind(filter.types[0])}` : `e.type = ANY(${bind(filter.types)}::text[])`);
    }
    if (filter.agentId !== undefined) conditions.push(`e.agent_id = ${bind(filter.agentId)}`);
    if (filter.runId !== undefined) conditions.push(`e.run_id = ${bind(filter.runId)}::uuid`);
    if (filter.actorSubject !== undefined) conditions.push(`e.actor_subject = ${bind(filter.actorSubject)}`);
    if (filter.visibleTo) {
      const subject = bind(filter.visibleTo.subject);
      const needed = `CASE WHEN e.type = ANY(${bind(TYPES_SEEN_WITH_USE)}::text[]) THEN ${ACCESS_RANK.use} ELSE ${ACCESS_RANK.manage} END`;
      conditions.push(`(e.actor_subject = ${subject} OR EXISTS (
        SELECT 1 FROM agents a WHERE a.id = e.agent_id AND a.org_id = e.org_id
          AND ${accessSql.atLeast('a', subject, bind(filter.visibleTo.principals), needed)}))`);
    }
    const direction = options.order === 'asc' ? 'ASC' : 'DESC';
    return queryRows<EventDatabaseRow>(
      db,
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${conditions.join(' AND ')} ORDER BY e.txid ${direction}, e.seq ${direction} LIMIT ${bind(options.limit)}`,
      values,
    ).then((rows) => rows.map(toEvent));
  }

  /**
   * The org's events after `after`, oldest first, as the live streams follow them: the settled ones,
   * the current horizon, and whether committed events wait beyond it (a transaction that took its id
   * earlier is still running: they are read again once it ends, which no notification announces).
   */
  async follow(db: EntityManager, orgId: string, after: EventPosition, limit: number): Promise<{ events: LoggedEvent[]; horizon: bigint; heldBack: boolean }> {
    const rows = await queryRows<EventDatabaseRow & { horizon: string; settled: boolean | null }>(
      db,
      `WITH h AS (SELECT ${HORIZON} AS horizon)
       SELECT h.horizon::text AS horizon, e.position_txid < h.horizon AS settled, e.*
       FROM h LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS}, e.txid AS position_txid, e.seq AS position_seq FROM events e
         WHERE e.org_id = $1 AND (e.txid, e.seq) > ($2::xid8, $3::bigint)
         ORDER BY e.txid, e.seq LIMIT $4) e ON true
       ORDER BY e.position_txid, e.position_seq`,
      [orgId, String(after.txid), String(after.seq), limit],
    );
    const horizon = BigInt(rows[0]?.horizon ?? '0');
    const present = rows.filter((row) => row.txid !== null);
    const settled = present.filter((row) => row.settled);
    return { events: settled.map(toEvent), horizon, heldBack: settled.length < present.length };
  }

  /** The current horizon: every event to come will be after positionBefore(it). */
  async horizon(db: EntityManager): Promise<bigint> {
    const [row] = await queryRows<{ horizon: string }>(db, `SELECT ${HORIZON}::text AS horizon`);
    return BigInt(row?.horizon ?? '0');
  }

  /**
   * Deletes, of the `batchSize` oldest events (by `seq`, the primary key, so each sweep reads one
   * short index range however long the log), those older than `retentionDays`. `seq` follows time
   * but for events written late by a long transaction, which go at most that long after their time.
   */
  async purgeOlderThan(db: EntityManager, retentionDays: number, batchSize: number): Promise<number> {
    const rows = await queryRows<{ n: string }>(
      db,
      `WITH oldest AS (SELECT seq, at FROM events ORDER BY seq LIMIT $2),
       deleted AS (DELETE FROM events e USING oldest o WHERE e.seq = o.seq AND o.at < now() - make_interval(days => $1) RETURNING 1)
       SELECT count(*)::text AS n FROM deleted`,
      [retentionDays, batchSize],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Which of the API keys `ids` are revoked. Streams ask after they register, and after the listener
   * reconnects, since a revocation's notification may have gone by while they could not hear it.
   */
  async revokedKeys(db: EntityManager, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<{ id: string }>(db, `SELECT id FROM api_keys WHERE id = ANY($1::uuid[]) AND revoked_at IS NOT NULL`, [ids]);
    return rows.map((row) => row.id);
  }

  /** Told in the revocation's transaction, so streams on every instance hear it exactly when it commits. */
  async announceKeyRevoked(db: EntityManager, keyId: string): Promise<void> {
    await queryRows(db, `SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, `${REVOKED_KEY_PAYLOAD}${keyId}`]);
  }
}
