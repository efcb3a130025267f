import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { WrittenRunEvent } from '../runs/domain/run-events';
import { DIGEST_FAILURES_SHOWN, DigestSnapshot, NOTIFYING_EVENTS, NotificationKind, NotificationSnapshot } from './domain/notification-message';

export type NotificationStatus = 'pending' | 'delivered' | 'failed';


/** A notification as the delivery log shows it. */
export interface NotificationRow {
  id: string;
  runId: string | null;
  event: NotificationKind;
  channel: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  slackTs: string | null;
}

/** A notification taken for one try. */
export interface NotificationToSend {
  id: string;
  channel: string;
  message: NotificationSnapshot;
  attempts: number;
}

/** A notification taken for one try, and since when an earlier try's outcome is unknown (null: none is). */
export interface TakenForTry {
  notification: NotificationToSend;
  checkSince: Date | null;
}

/** An agent whose digest is due (or not yet planned), locked for the sweep. */
export interface DigestCandidate {
  id: number;
  orgId: string;
  name: string;
  channel: string;
  timeZone: string | null;
  digestDueAt: Date | null;
  now: Date;
}

const LOG_COLUMNS = `id::text AS id, run_id AS "runId", event, channel, status, attempts, last_error AS "lastError",
  next_attempt_at AS "nextAttemptAt", created_at AS "createdAt", delivered_at AS "deliveredAt", slack_ts AS "slackTs"`;

// Which toggle of notification_config.events governs each run event type, as SQL.
const TOGGLE_OF_TYPE = `CASE e.type ${Object.entries(NOTIFYING_EVENTS)
  .map(([type, toggle]) => `WHEN '${type}' THEN '${toggle}'`)
  .join(' ')} END`;

@Injectable()
export class NotificationsRepository {
  /**
   * The outbox: one notification per event whose toggle is on in its agent's config, written by the
   * caller's transaction (the one writing the events), with what the event says at this moment.
   * Events that notify nobody insert nothing. Returns what was queued.
   */
  insertForEvents(db: EntityManager, events: Pick<WrittenRunEvent, 'runId' | 'seq' | 'type' | 'message'>[]): Promise<{ id: string; channel: string }[]> {
    return queryRows(
      db,
      `INSERT INTO notifications (org_id, agent_id, run_id, event_seq, event, channel, message)
       SELECT r.org_id, a.id, r.id, e.seq, e.type, a.notification_config->>'slackChannelId',
         jsonb_build_object('kind', 'run_event', 'agentId', a.id, 'agentName', a.name, 'event', e.type, 'runId', r.id,
           'runStatus', r.status, 'version', r.variation_version, 'trigger', r.trigger, 'message', e.message, 'error', r.error)
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS e(run_id, seq, type, message)
       JOIN runs r ON r.id = e.run_id
       JOIN agents a ON a.id = r.agent_id
       WHERE a.notification_config IS NOT NULL AND (a.notification_config->'events'->>(${TOGGLE_OF_TYPE})) = 'true'
       ON CONFLICT DO NOTHING
       RETURNING id::text AS id, channel`,
      [events.map((e) => e.runId), events.map((e) => e.seq), events.map((e) => e.type), events.map((e) => e.message)],
    );
  }

  /**
   * A crossed budget's notification (from its `agent.budget_exceeded` event) for an agent with Slack
   * configured; budget_alerts already makes the event once per agent and month. Sent whatever the
   * run-event toggles say: it is about the agent's spend, not a run.
   */
  insertForBudget(db: EntityManager, crossing: { agentId: number; month: string; spentUsd: number; monthlyUsd: number; onExceeded: string }): Promise<{ id: string; channel: string }[]> {
    return queryRows(
      db,
      `INSERT INTO notifications (org_id, agent_id, event, channel, message)
       SELECT a.org_id, a.id, 'budget_exceeded', a.notification_config->>'slackChannelId',
         jsonb_build_object('kind', 'budget', 'agentId', a.id, 'agentName', a.name, 'month', $2::text, 'spentUsd', $3::numeric, 'monthlyUsd', $4::numeric, 'onExceeded', $5::text)
       FROM agents a WHERE a.id = $1 AND a.notification_config IS NOT NULL
       RETURNING id::text AS id, channel`,
      [crossing.agentId, crossing.month, crossing.spentUsd, crossing.monthlyUsd, crossing.onExceeded],
    );
  }

  /**
   * Takes a pending notification for one try: counts the attempt and holds it for `holdSeconds`, so
   * a second job for it (a retry racing a re-sent job) finds nothing to do until the hold lapses.
   * A short statement, not a lock held while Slack answers. The try is unconfirmed until it settles
   * with Slack's answer; `checkSince` is when an earlier try that never got one began (it died, or
   * Slack's answer was lost), so this one must look for that message before posting. A notification
   * another try holds comes back as `heldUntil`, when that hold lapses; a settled one as nothing.
   */
  async takeForTry(db: EntityManager, id: string, holdSeconds: number): Promise<TakenForTry | { heldUntil: Date; channel: string } | undefined> {
    // RETURNING sees the new stamp, rounded to the column's milliseconds: compared with now() at that
    // precision, this try's own stamp is not "earlier" (against the raw now() it could be, by < 1 ms).
    const [row] = await queryRows<NotificationToSend & { checkSince: Date | null; heldUntil: Date | null }>(
      db,
      `WITH taken AS (
         UPDATE notifications SET attempts = attempts + 1, sending_until = now() + make_interval(secs => $2),
           unconfirmed_since = COALESCE(unconfirmed_since, now())
         WHERE id = $1 AND status = 'pending' AND (sending_until IS NULL OR sending_until < now())
         RETURNING id::text AS id, channel, message, attempts,
           CASE WHEN unconfirmed_since < now()::timestamptz(3) THEN unconfirmed_since END AS "checkSince", NULL::timestamptz AS "heldUntil")
       SELECT * FROM taken
       UNION ALL
       SELECT id::text, channel, NULL, attempts, NULL, sending_until FROM notifications
       WHERE id = $1 AND status = 'pending' AND sending_until >= now() AND NOT EXISTS (SELECT 1 FROM taken)`,
      [id, holdSeconds],
    );
    if (!row) return undefined;
    const { checkSince, heldUntil, ...notification } = row;
    return heldUntil ? { heldUntil, channel: row.channel } : { notification, checkSince };
  }

  /**
   * Holds the notification `holdSeconds` more for the try that took it as attempt `attempts`, just
   * before it posts; false when another try took it over meanwhile (then this one must not post).
   */
  async renewHold(db: EntityManager, id: string, attempts: number, holdSeconds: number): Promise<boolean> {
    const rows = await queryRows(
      db,
      `UPDATE notifications SET sending_until = now() + make_interval(secs => $3) WHERE id = $1 AND status = 'pending' AND attempts = $2 RETURNING id`,
      [id, attempts, holdSeconds],
    );
    return rows.length > 0;
  }

  /**
   * Plans a new notification's first try: `intervalMs` after the channel's last planned one (or now),
   * so a burst goes out in the order its events were written, and shows it as the notification's
   * next try. Locks the channel row until the caller's transaction (the event's) commits.
   */
  async planChannelSlot(db: EntityManager, notification: { id: string; channel: string }, intervalMs: number): Promise<Date> {
    const [row] = await queryRows<{ slot: Date }>(
      db,
      `WITH planned AS (
         INSERT INTO notification_channels AS c (channel, planned_until) VALUES ($1, now())
         ON CONFLICT (channel) DO UPDATE SET planned_until = GREATEST(c.planned_until + make_interval(secs => $2 / 1000.0), now())
         RETURNING planned_until),
       shown AS (UPDATE notifications SET next_attempt_at = (SELECT planned_until FROM planned) WHERE id = $3)
       SELECT planned_until AS slot FROM planned`,
      [notification.channel, intervalMs, notification.id],
    );
    return row.slot;
  }

  /**
   * Takes the channel's turn to post if it is open (shared by every instance through the database's
   * clock): closes it for `holdMs` (until releaseSendTurn) and returns 0. Otherwise changes nothing
   * and returns how long until it opens. A compare-and-set, so two senders never both get the turn.
   */
  async takeSendTurn(db: EntityManager, channel: string, holdMs: number): Promise<number> {
    const [row] = await queryRows<{ waitMs: number }>(
      db,
      `WITH taken AS (
         INSERT INTO notification_channels AS c (channel, next_send_at) VALUES ($1, clock_timestamp() + make_interval(secs => $2 / 1000.0))
         ON CONFLICT (channel) DO UPDATE SET next_send_at = clock_timestamp() + make_interval(secs => $2 / 1000.0)
           WHERE c.next_send_at <= clock_timestamp()
         RETURNING 0::float8 AS "waitMs")
       SELECT "waitMs" FROM taken
       UNION ALL
       SELECT GREATEST(1, EXTRACT(EPOCH FROM (next_send_at - clock_timestamp())) * 1000)::float8 FROM notification_channels
       WHERE channel = $1 AND NOT EXISTS (SELECT 1 FROM taken)`,
      [channel, holdMs],
    );
    return row?.waitMs ?? 0;
  }

  /** Reopens the channel `afterMs` from now (its pace after an answer, or a 429's Retry-After). */
  async releaseSendTurn(db: EntityManager, channel: string, afterMs: number): Promise<void> {
    await db.query(`UPDATE notification_channels SET next_send_at = clock_timestamp() + make_interval(secs => $2 / 1000.0) WHERE channel = $1`, [channel, afterMs]);
  }

  /** Only the try that holds the notification (its attempt number) may settle it: at most one `delivered`. */
  async markDelivered(db: EntityManager, id: string, attempts: number, slackTs: string | null): Promise<boolean> {
    const rows = await queryRows(
      db,
      `UPDATE notifications SET status = 'delivered', delivered_at = now(), slack_ts = $3, last_error = NULL, next_attempt_at = NULL, sending_until = NULL
       WHERE id = $1 AND status = 'pending' AND attempts = $2 RETURNING id`,
      [id, attempts, slackTs],
    );
    return rows.length > 0;
  }

  /** `unconfirmed`: Slack may show the message all the same (kept for the log: this is the last try). */
  async markFailed(db: EntityManager, id: string, attempts: number, error: string, unconfirmed: boolean): Promise<boolean> {
    const rows = await queryRows(
      db,
      `UPDATE notifications SET status = 'failed', last_error = $3, next_attempt_at = NULL, sending_until = NULL,
         unconfirmed_since = CASE WHEN $4 THEN unconfirmed_since END
       WHERE id = $1 AND status = 'pending' AND attempts = $2 RETURNING id`,
      [id, attempts, error, unconfirmed],
    );
    return rows.length > 0;
  }

  /**
   * Records a failed try that will be retried after `delayMs`; returns the retry's due time, or null
   * when another try settled it. `unconfirmed`: Slack may have posted it (no answer, or the look for an
   * earlier such try failed), so the retry must look first; otherwise Slack's answer settled that.
   */
  async markRetrying(db: EntityManager, id: string, attempts: number, error: string, delayMs: number, unconfirmed: boolean): Promise<Date | null> {
    const [row] = await queryRows<{ nextAttemptAt: Date }>(
      db,
      `UPDATE notifications SET last_error = $3, next_attempt_at = now() + make_interval(secs => $4 / 1000.0), sending_until = NULL,
         unconfirmed_since = CASE WHEN $5 THEN unconfirmed_since END
       WHERE id = $1 AND status = 'pending' AND attempts = $2 RETURNING next_attempt_at AS "nextAttemptAt"`,
      [id, attempts, error, delayMs, unconfirmed],
    );
    return row?.nextAttemptAt ?? null;
  }

  /** The delivery log: newest first, keyset-paged by id. */
  list(db: EntityManager, query: { agentId: number; status?: NotificationStatus; beforeId?: string; limit: number }): Promise<NotificationRow[]> {
    const where = ['agent_id = $1'];
    const values: unknown[] = [query.agentId];
    if (query.status) where.push(`status = $${values.push(query.status)}`);
    if (query.beforeId) where.push(`id < $${values.push(query.beforeId)}`);
    values.push(query.limit);
    return queryRows<NotificationRow>(
      db,
      // n.id, not id: the output column `id` is text, which would sort 9 after 10.
      `SELECT ${LOG_COLUMNS} FROM notifications n WHERE ${where.join(' AND ')} ORDER BY n.id DESC LIMIT $${values.length}`,
      values,
    );
  }

  /**
   * Locks up to `limit` agents with the digest on whose digest is due or not planned yet, skipping
   * those another instance holds. The zone is the active schedule's. The agents are locked first and
   * read by a second statement: a row that a deploy committed between this statement's snapshot and
   * its lock is re-checked with the new agent but the old join, so the locking statement would see
   * the previous variation's zone (none, before the first deploy) and plan the digest in UTC.
   */
  async claimDigestCandidates(db: EntityManager, limit: number): Promise<DigestCandidate[]> {
    const locked = await queryRows<{ id: number }>(
      db,
      `SELECT id FROM agents
       WHERE (notification_config->'events'->>'digest') = 'true' AND status <> 'deleted'
         AND (digest_due_at IS NULL OR digest_due_at <= now())
       ORDER BY digest_due_at NULLS FIRST
       LIMIT $1
       FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    if (locked.length === 0) return [];
    return queryRows<DigestCandidate>(
      db,
      `SELECT a.id, a.org_id AS "orgId", a.name, a.notification_config->>'slackChannelId' AS channel,
         v.content->'trigger'->'schedule'->>'timezone' AS "timeZone", a.digest_due_at AS "digestDueAt", now() AS now
       FROM agents a LEFT JOIN variations v ON v.id = a.active_variation_id AND v.content->'trigger'->>'type' = 'schedule'
       WHERE a.id = ANY($1::int[])
       ORDER BY a.digest_due_at NULLS FIRST, a.id`,
      [locked.map((row) => row.id)],
    );
  }

  /** Each agent's next digest time, in one statement for the batch. Not an edit of the agent: its version (ETag) stays. */
  async setDigestDue(db: EntityManager, dues: { agentId: number; dueAt: Date }[]): Promise<void> {
    await queryRows(
      db,
      `UPDATE agents a SET digest_due_at = d.due_at FROM unnest($1::int[], $2::timestamptz[]) AS d(id, due_at) WHERE a.id = d.id`,
      [dues.map((d) => d.agentId), dues.map((d) => d.dueAt)],
    );
  }

  /** Each agent's runs created in [from, to): how many per status, and the latest failures with their errors (agents without runs are absent). */
  async digestSummaries(db: EntityManager, agentIds: number[], from: Date, to: Date): Promise<Map<number, Pick<DigestSnapshot, 'runsByStatus' | 'failures'>>> {
    const counts = await queryRows<{ agentId: number; status: string; n: number }>(
      db,
      `SELECT agent_id AS "agentId", status, count(*)::int AS n FROM runs
       WHERE agent_id = ANY($1::int[]) AND created_at >= $2 AND created_at < $3 GROUP BY agent_id, status`,
      [agentIds, from, to],
    );
    const failures = await queryRows<{ agentId: number; runId: string; code: string | null; message: string | null }>(
      db,
      `SELECT "agentId", "runId", code, message FROM (
         SELECT agent_id AS "agentId", id AS "runId", error->>'code' AS code, error->>'message' AS message,
           row_number() OVER (PARTITION BY agent_id ORDER BY seq DESC) AS rank
         FROM runs WHERE agent_id = ANY($1::int[]) AND created_at >= $2 AND created_at < $3 AND status = 'failed') latest
       WHERE rank <= $4 ORDER BY "agentId", rank`,
      [agentIds, from, to, DIGEST_FAILURES_SHOWN],
    );
    const summaries = new Map<number, Pick<DigestSnapshot, 'runsByStatus' | 'failures'>>();
    for (const { agentId, status, n } of counts) {
      const summary = summaries.get(agentId) ?? { runsByStatus: {}, failures: [] };
      summary.runsByStatus[status] = n;
      summaries.set(agentId, summary);
    }
    for (const { agentId, ...failure } of failures) summaries.get(agentId)?.failures.push(failure);
    return summaries;
  }

  /** One digest per agent and nominal time (the unique key): a second writer inserts nothing. */
  async insertDigest(db: EntityManager, digest: { orgId: string; agentId: number; channel: string; digestFor: Date; message: DigestSnapshot }): Promise<{ id: string; channel: string } | undefined> {
    const [row] = await queryRows<{ id: string; channel: string }>(
      db,
      `INSERT INTO notifications (org_id, agent_id, event, digest_for, channel, message) VALUES ($1, $2, 'digest', $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING id::text AS id, channel`,
      [digest.orgId, digest.agentId, digest.digestFor, digest.channel, JSON.stringify(digest.message)],
    );
    return row;
  }
}
