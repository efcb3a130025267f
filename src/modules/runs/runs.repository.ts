import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../infrastructure/database/change';
import { EVENT_INSERT_COLUMNS } from '../../infrastructure/database/event-append.sql';
import { queryRows } from '../../infrastructure/database/query-rows';
import { AgentRow } from '../agents/agent.row';
import { VariationJson, variationFrom, variationsSql } from '../variation-store/variations.repository';
import { VariationRow } from '../variation-store/variation.row';
import { WrittenRunEvent } from './domain/run-events';
import { RunStatus } from './domain/run-status';
import { UsageTotals } from './domain/run-usage';
import { DB_NOW, RunChanges, RunEventRow, RunRow, RunTrigger } from './run.row';

/** Run-queue wake-ups: NOTIFY on this channel (payload: the org id) when a run becomes claimable. */
export const RUN_QUEUE_CHANNEL = 'agentry_run_queue';

const COLUMNS = `r.id, r.seq::text AS seq, r.org_id AS "orgId", r.agent_id AS "agentId", r.variation_id AS "variationId",
  r.variation_version AS "variationVersion", r.status, r.trigger, r.scheduled_for AS "scheduledFor", r.input, r.output,
  r.error, r.approval, r.attempt, r.retries, r.claimed_by AS "claimedBy", r.claimed_at AS "claimedAt",
  r.lease_expires_at AS "leaseExpiresAt", r.started_at AS "startedAt", r.timeout_at AS "timeoutAt",
  r.finished_at AS "finishedAt", r.created_by AS "createdBy", r.created_at AS "createdAt", r.environment, r.routed_to AS "routedTo",
  r.traceparent, r.replay_of AS "replayOf", r.usage`;

const COLUMN_OF: Record<keyof RunChanges, string> = {
  status: 'status',
  output: 'output',
  error: 'error',
  approval: 'approval',
  claimedBy: 'claimed_by',
  claimedAt: 'claimed_at',
  leaseExpiresAt: 'lease_expires_at',
  startedAt: 'started_at',
  timeoutInSeconds: 'timeout_at',
  retryInSeconds: 'lease_expires_at',
  finishedAt: 'finished_at',
};
const JSON_COLUMNS = new Set<keyof RunChanges>(['output', 'error', 'approval']);

export interface NewRun {
  id: string;
  orgId: string;
  agentId: number;
  variationId: string;
  variationVersion: number;
  /** Where it was started (SPEC §14); a schedule's runs take the column's default, production's primary. */
  environment?: string | null;
  routedTo?: 'primary' | 'canary' | null;
  trigger: RunTrigger;
  scheduledFor: Date | null;
  input: unknown;
  createdBy: string;
  /** The run this one replays (SPEC §15). */
  replayOf?: string;
}

export interface RunListQuery {
  agentId: number;
  status?: RunStatus;
  trigger?: RunTrigger;
  createdAfter?: Date;
  createdBefore?: Date;
  beforeSeq?: string;
  limit: number;
}

/** A claimed run with what its runtime needs: the agent's identity and the pinned variation. */
export interface ClaimedRun {
  run: RunRow;
  agent: Pick<AgentRow, 'id' | 'uid' | 'name' | 'type'>;
  variation: VariationRow;
}

/** Who claims: the subject recorded on the run, and the API key to re-check (null for a JWT). */
export interface Claimant {
  /** Who claims: the run's `claimed_by` is its subject, and the `run.claimed` event names it. */
  actor: Actor;
  apiKeyId: string | null;
}

/** A claim's try: the claimant's key was revoked, or it was not and the run it got, if any. */
export type ClaimAttempt = { revoked: true } | { revoked: false; claimed?: ClaimedRun };

/** The run columns of a claim that got nothing (the LEFT JOIN's NULLs). */
type NoRun = { [K in keyof RunRow]: null };

export interface ClaimFilter {
  orgId: string;
  agentIds?: number[];
  types?: string[];
}

/** A run a schedule tick queued. */

/**
 * The final SELECT of a statement whose CTE `logged` inserted run events (RETURNING run_id, seq, type,
 * message) for the runs its CTE `changed` updated (RETURNING id, org_id, agent_id): the events as written.
 */
const WRITTEN_EVENTS = `SELECT l.run_id AS "runId", c.org_id AS "orgId", c.agent_id AS "agentId", l.seq, l.type, l.message
  FROM logged l JOIN changed c ON c.id = l.run_id`;

/** JSON values go to jsonb as text; `undefined` (not sent) is stored as SQL null. */
const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/** `SET` assignments for the changes, binding their values after those already in `values`. */
function assignmentsOf(changes: RunChanges, values: unknown[]): string[] {
  return (Object.entries(changes) as [keyof RunChanges, unknown][])
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => {
      if (value === DB_NOW) return `${COLUMN_OF[field]} = now()`;
      values.push(JSON_COLUMNS.has(field) ? json(value) : value);
      if (field === 'timeoutInSeconds') return `timeout_at = now() + make_interval(secs => $${values.length})`;
      if (field === 'retryInSeconds') {
        return `lease_expires_at = now() + make_interval(secs => $${values.length}), attempt = attempt + 1, try_first_attempt = attempt + 1, retries = retries + 1`;
      }
      return `${COLUMN_OF[field]} = $${values.length}`;
    });
}

/**
 * The claim: $1 org, $2 claimant, $3 lease seconds, $4 the claimant's API key id or NULL (a JWT), $5
 * and $6 the claimant's actor kind and request id, then the filters the claim has: the agent ids
 * (int[]) and then the agent types (text[]), each only when given. One row always: `claimantValid`, and
 * the run's columns (NULL when none was claimed).
 *
 * One text per shape of filter, holding only the conditions it needs. With `$2 IS NULL OR …` for an
 * absent filter, PostgreSQL's plan cache went from the generic plan to planning each claim anew once
 * autovacuum had analyzed the runs table (about a millisecond of planning a claim): in the benchmark
 * the claims fell from ~950 to ~670 a second after the first minutes, and stayed there.
 *
 * The claim is no unit of work (one statement, so a waiting claim holds no connection between tries),
 * so it appends its `run.claimed` event itself, in the same statement, with the columns EventLog sets:
 * the event commits with the claim or not at all, and costs no round trip. The streams hear of it from
 * the caller, after the statement (EventAnnouncer), as of every other write: a NOTIFY in the statement
 * made every claim's commit wait on PostgreSQL's one lock for notifying commits, and cost the claims
 * with the log 12 % of their rate (docs/decisions.md, "Issue #28, fourth session").
 *
 * The key row is read FOR SHARE in the same statement, before the run is picked (a one-time filter): a
 * revocation (an UPDATE of that row, which conflicts) either committed first, and the claim takes
 * nothing, or waits until this claim committed, and the revoke's transaction then finds the claim and
 * puts the run back (see ApiKeysService.revoke). No run is handed to a key once its revocation committed.
 *
 * The queue's order comes from runs_claimable_idx alone; with an index on `seq` by itself the planner
 * may walk the whole run history in `seq` order, filtering, before it reaches the first queued run
 * (it cannot know that queued runs are the newest). Exported for the test that reads its plan.
 *
 * Capacity (SPEC §15): runs of versions with a `concurrency` limit are not in that index. The claim
 * takes the oldest of: the first unlimited run, and the oldest run of each limited agent with a free
 * slot (`limited_agents` jumps from agent to agent in runs_limited_claimable_idx, one probe each (its
 * ORDER BY names the index's whole order, so no other index serves it), so a
 * full agent's backlog is never walked and never holds anyone else's runs back). The chosen run's
 * agent row is then locked and its count re-checked on the row's newest version (`slot`), so two
 * claims at once cannot both take the last slot: the loser claims nothing this try and tries again.
 */
export function claimNextSql(filters: { agents: boolean; types: boolean }): string {
  let next = 6;
  const agents = filters.agents ? `$${++next}::int[]` : null;
  const types = filters.types ? `$${++next}::text[]` : null;
  const ofAgent = (column: string) => (agents ? `AND ${column} = ANY(${agents})` : '');
  const ofType = (content: string) => (types ? `AND ${content}->>'type' = ANY(${types})` : '');
  return `WITH RECURSIVE claimant AS (
   SELECT $4::uuid IS NULL OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = $4 AND k.revoked_at IS NULL FOR SHARE) AS valid),
 unlimited AS (
   SELECT q.id, q.seq, NULL::int AS agent_id, NULL::int AS lim FROM runs q
   JOIN agents a ON a.id = q.agent_id AND a.status = 'active'
   JOIN variations v ON v.id = q.variation_id
   WHERE q.org_id = $1 AND q.status = 'queued' AND q.lease_expires_at IS NULL AND NOT q.capacity_limited
     ${ofAgent('q.agent_id')} ${ofType('v.content')}
   ORDER BY q.seq
   LIMIT 1
   FOR UPDATE OF q SKIP LOCKED),
 limited_agents(agent_id) AS (
   (SELECT l.agent_id FROM runs l WHERE l.org_id = $1 AND l.status = 'queued' AND l.lease_expires_at IS NULL AND l.capacity_limited ORDER BY l.agent_id, l.seq LIMIT 1)
   UNION ALL
   SELECT (SELECT l.agent_id FROM runs l WHERE l.org_id = $1 AND l.status = 'queued' AND l.lease_expires_at IS NULL AND l.capacity_limited AND l.agent_id > p.agent_id
           ORDER BY l.agent_id, l.seq LIMIT 1)
   FROM limited_agents p WHERE p.agent_id IS NOT NULL),
 limited AS (
   SELECT h.id, h.seq, a.id AS agent_id, h.lim FROM limited_agents p
   JOIN agents a ON a.id = p.agent_id AND a.status = 'active'
   CROSS JOIN LATERAL (
     SELECT lq.id, lq.seq, (lv.content->'concurrency'->>'limit')::int AS lim FROM runs lq JOIN variations lv ON lv.id = lq.variation_id
     WHERE lq.org_id = $1 AND lq.agent_id = p.agent_id AND lq.status = 'queued' AND lq.lease_expires_at IS NULL AND lq.capacity_limited
       ${ofType('lv.content')}
     ORDER BY lq.seq LIMIT 1) h
   WHERE a.active_runs < h.lim ${ofAgent('p.agent_id')}),
 pick AS (SELECT * FROM (SELECT * FROM unlimited UNION ALL SELECT * FROM limited) c ORDER BY c.seq LIMIT 1),
 slot AS (
   SELECT a.id FROM agents a JOIN pick p ON a.id = p.agent_id WHERE a.active_runs < p.lim FOR UPDATE OF a),
 r AS (
   UPDATE runs r SET claimed_by = $2, claimed_at = now(), lease_expires_at = now() + make_interval(secs => $3)
   WHERE (SELECT valid FROM claimant) AND r.id = (SELECT id FROM pick) AND r.status = 'queued' AND r.lease_expires_at IS NULL
     AND ((SELECT agent_id FROM pick) IS NULL OR EXISTS (SELECT 1 FROM slot))
   RETURNING r.*),
 logged AS (
   INSERT INTO events (${EVENT_INSERT_COLUMNS})
   SELECT 'run.claimed', r.org_id, r.agent_id, r.id, $2, $5, $6, jsonb_build_object('attempt', r.attempt, 'leaseExpiresAt', r.lease_expires_at) FROM r)
   SELECT c.valid AS "claimantValid", ${COLUMNS},
     json_build_object('id', a.id, 'uid', a.uid, 'name', a.name, 'type', a.type) AS "claimedAgent", ${variationsSql.rowOf('v')} AS "claimedVariation"
   FROM claimant c LEFT JOIN (r JOIN agents a ON a.id = r.agent_id JOIN variations v ON v.id = r.variation_id) ON true`;
}

/** The claim without filters (any agent, any type), as most runtimes claim; its parameters are $1–$6 above. */
export const CLAIM_NEXT_SQL = claimNextSql({ agents: false, types: false });

/** The claim's texts by shape of filter, built once. */
const CLAIM_SQL_BY_SHAPE = new Map([false, true].flatMap((agents) => [false, true].map((types) => [`${agents}:${types}`, claimNextSql({ agents, types })] as const)));

/**
 * Cancelling an agent's runs: $1 agent, $2 statuses, $3 the `cancelled` events' message, then the
 * filters it has: created before (timestamptz) and then created by (text), each only when given. One
 * text per shape of filter, holding only the conditions it needs, as the claim's: every statement
 * follows the one rule, though this one runs rarely.
 */
function cancelManySql(filters: { createdBefore: boolean; createdBy: boolean }): string {
  let next = 3;
  const createdBefore = filters.createdBefore ? `AND created_at < $${++next}::timestamptz` : '';
  const createdBy = filters.createdBy ? `AND created_by = $${++next}::text` : '';
  return `WITH changed AS (
     UPDATE runs SET status = 'cancelled', finished_at = now(), last_event_seq = last_event_seq + 1
     WHERE agent_id = $1 AND status = ANY($2::varchar[]) ${createdBefore} ${createdBy}
     RETURNING id, org_id, agent_id, last_event_seq, attempt),
   logged AS (
     INSERT INTO run_events (run_id, seq, type, message, attempt)
     SELECT id, last_event_seq, 'cancelled', $3::text, attempt FROM changed
     RETURNING run_id, seq, type, message)
   ${WRITTEN_EVENTS}`;
}

@Injectable()
export class RunsRepository {
  /**
   * Inserts a queued run, counts it on its agent (runs_count is this table's count, kept on the agent
   * row for lists) and wakes the runtimes waiting on the org's queue when the transaction commits.
   */
  async insert(db: EntityManager, run: NewRun): Promise<RunRow> {
    const [row] = await queryRows<RunRow>(
      db,
      `WITH r AS (
         INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, status, trigger, scheduled_for, input, created_by, environment, routed_to, replay_of)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $11, $12) RETURNING *),
       counted AS (UPDATE agents SET runs_count = runs_count + 1 WHERE id = $3)
       SELECT ${COLUMNS} FROM r`,
      [run.id, run.orgId, run.agentId, run.variationId, run.variationVersion, run.trigger, run.scheduledFor, json(run.input), run.createdBy, run.environment ?? null, run.routedTo ?? null, run.replayOf ?? null],
    );
    await this.wakeClaimants(db, run.orgId);
    return row;
  }

  /** The trace of the request that created the run, handed to its runtime with the claim (tracing on only). */
  async attachTrace(db: EntityManager, id: string, traceparent: string): Promise<void> {
    await db.query(`UPDATE runs SET traceparent = $2 WHERE id = $1`, [id, traceparent]);
  }

  /** pg_notify is delivered when the transaction commits, so a woken claimant finds the run. */
  async wakeClaimants(db: EntityManager, orgId: string): Promise<void> {
    await db.query(`SELECT pg_notify($1, $2)`, [RUN_QUEUE_CHANNEL, orgId]);
  }

  async find(db: EntityManager, orgId: string, id: string): Promise<RunRow | undefined> {
    return (await queryRows<RunRow>(db, `SELECT ${COLUMNS} FROM runs r WHERE r.id = $1 AND r.org_id = $2`, [id, orgId]))[0];
  }

  /** Locks the run for the rest of the transaction: every move applies to the status it finds here. */
  async findForUpdate(db: EntityManager, orgId: string, id: string): Promise<RunRow | undefined> {
    return (await queryRows<RunRow>(db, `SELECT ${COLUMNS} FROM runs r WHERE r.id = $1 AND r.org_id = $2 FOR UPDATE`, [id, orgId]))[0];
  }

  async update(db: EntityManager, id: string, changes: RunChanges): Promise<RunRow> {
    const values: unknown[] = [id];
    const [row] = await queryRows<RunRow>(db, `UPDATE runs r SET ${assignmentsOf(changes, values).join(', ')} WHERE r.id = $1 RETURNING ${COLUMNS}`, values);
    if (!row) throw new Error(`run ${id} vanished inside its own transaction`);
    return row;
  }

  /**
   * Applies the changes and appends the event with the run's next sequence number, in one statement
   * (the run row is locked by the caller), with the run's new usage totals when the event reported usage. Returns the run as it now stands and the event as written, for the outbox.
   */
  async updateWithEvent(
    db: EntityManager,
    id: string,
    changes: RunChanges,
    event: { type: string; message?: string | null; data?: unknown },
    usage?: UsageTotals,
  ): Promise<{ run: RunRow; event: WrittenRunEvent }> {
    const values: unknown[] = [id, event.type, event.message ?? null, json(event.data)];
    const assignments = [...assignmentsOf(changes, values), 'last_event_seq = r.last_event_seq + 1', ...(usage ? [`usage = $${values.push(json(usage))}`] : [])];
    const [row] = await queryRows<RunRow & { eventSeq: number }>(
      db,
      `WITH r AS (UPDATE runs r SET ${assignments.join(', ')} WHERE r.id = $1 RETURNING r.*),
         logged AS (INSERT INTO run_events (run_id, seq, type, message, data, attempt) SELECT r.id, r.last_event_seq, $2, $3, $4, r.attempt FROM r)
       SELECT ${COLUMNS}, r.last_event_seq AS "eventSeq" FROM r`,
      values,
    );
    if (!row) throw new Error(`run ${id} vanished inside its own transaction`);
    const { eventSeq, ...run } = row;
    return { run, event: { runId: id, orgId: run.orgId, agentId: run.agentId, seq: eventSeq, type: event.type, message: event.message ?? null } };
  }

  /**
   * Cancels, in one statement, the agent's runs in `statuses` (created before `createdBefore`, and by
   * `createdBy` when given), each with its `cancelled` event. Rows another transaction holds are waited
   * for, so a run that finished meanwhile is left alone (its status no longer matches).
   */
  async cancelMany(
    db: EntityManager,
    filter: { agentId: number; statuses: RunStatus[]; createdBefore?: Date; createdBy?: string },
    message: string,
  ): Promise<WrittenRunEvent[]> {
    const createdBefore = filter.createdBefore !== undefined;
    const createdBy = filter.createdBy !== undefined;
    return queryRows<WrittenRunEvent>(db, cancelManySql({ createdBefore, createdBy }), [
      filter.agentId,
      filter.statuses,
      message,
      ...(createdBefore ? [filter.createdBefore] : []),
      ...(createdBy ? [filter.createdBy] : []),
    ]);
  }

  /** A heartbeat on a claim not yet started: the lease runs for another `seconds` from now. */
  async extendLease(db: EntityManager, id: string, seconds: number): Promise<RunRow> {
    const [row] = await queryRows<RunRow>(
      db,
      `UPDATE runs r SET lease_expires_at = now() + make_interval(secs => $2) WHERE r.id = $1 RETURNING ${COLUMNS}`,
      [id, seconds],
    );
    if (!row) throw new Error(`run ${id} vanished inside its own transaction`);
    return row;
  }

  listEvents(db: EntityManager, runId: string): Promise<RunEventRow[]> {
    return queryRows<RunEventRow>(db, `SELECT seq, attempt, type, message, data, at FROM run_events WHERE run_id = $1 ORDER BY seq`, [runId]);
  }

  /** Newest first, in keyset pages on `seq`; each filter is served by an index on (agent_id, …). */
  list(db: EntityManager, query: RunListQuery): Promise<RunRow[]> {
    const values: unknown[] = [query.agentId];
    const bind = (value: unknown) => `$${values.push(value)}`;
    const conditions = ['r.agent_id = $1'];
    if (query.status) conditions.push(`r.status = ${bind(query.status)}`);
    if (query.trigger) conditions.push(`r.trigger = ${bind(query.trigger)}`);
    if (query.createdAfter) conditions.push(`r.created_at > ${bind(query.createdAfter)}`);
    if (query.createdBefore) conditions.push(`r.created_at < ${bind(query.createdBefore)}`);
    if (query.beforeSeq !== undefined) conditions.push(`r.seq < ${bind(query.beforeSeq)}`);
    return queryRows<RunRow>(db, `SELECT ${COLUMNS} FROM runs r WHERE ${conditions.join(' AND ')} ORDER BY r.seq DESC LIMIT ${bind(query.limit)}`, values);
  }

  /**
   * Hands the oldest claimable run of the org to one claimant: SKIP LOCKED lets any number of
   * concurrent claims each take a different run, and a run whose agent is not active (paused,
   * deleted) stays in the queue. One statement, so no connection is held between tries; it returns
   * the run with its agent and pinned variation. A claimant whose API key is revoked gets `revoked`.
   */
  async claimNext(db: EntityManager, filter: ClaimFilter, claimant: Claimant, leaseSeconds: number): Promise<ClaimAttempt> {
    const agents = filter.agentIds !== undefined;
    const types = filter.types !== undefined;
    const [row] = await queryRows<(RunRow | NoRun) & { claimantValid: boolean; claimedAgent: ClaimedRun['agent']; claimedVariation: VariationJson }>(
      db,
      CLAIM_SQL_BY_SHAPE.get(`${agents}:${types}`) as string,
      [
        filter.orgId,
        claimant.actor.subject,
        leaseSeconds,
        claimant.apiKeyId,
        claimant.actor.kind,
        claimant.actor.requestId,
        ...(agents ? [filter.agentIds] : []),
        ...(types ? [filter.types] : []),
      ],
    );
    if (!row) throw new Error('the claim statement returned no row');
    const { claimantValid, claimedAgent, claimedVariation, ...run } = row;
    if (!claimantValid) return { revoked: true };
    if (run.id === null) return { revoked: false };
    return { revoked: false, claimed: { run, agent: claimedAgent, variation: variationFrom(claimedVariation) } };
  }

  /**
   * Puts the runs the claimant holds but has not started back in the queue, attempt unchanged (the
   * claimant could never report `started`, so the claim was no try), each with a `claim_revoked`
   * event. Started runs are left alone: they are never handed out twice.
   */
  async releaseClaimsOf(db: EntityManager, claimant: string): Promise<WrittenRunEvent[]> {
    return queryRows<WrittenRunEvent>(
      db,
      `WITH changed AS (
         UPDATE runs SET claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL, last_event_seq = last_event_seq + 1
         WHERE status = 'queued' AND lease_expires_at IS NOT NULL AND claimed_by = $1
         RETURNING id, org_id, agent_id, last_event_seq, attempt),
       logged AS (
         INSERT INTO run_events (run_id, seq, type, message, attempt)
         SELECT id, last_event_seq, 'claim_revoked', 'The API key holding the claim was revoked before the run started; back in the queue.', attempt FROM changed
         RETURNING run_id, seq, type, message)
       ${WRITTEN_EVENTS}`,
      [claimant],
    );
  }

  /**
   * Runs whose retry backoff has passed (queued, a lease but no claimant) become claimable again.
   * Returns the orgs whose claimants the caller wakes.
   */
  async releaseDueRetries(db: EntityManager): Promise<string[]> {
    const rows = await queryRows<{ orgId: string }>(
      db,
      `UPDATE runs SET lease_expires_at = NULL WHERE status = 'queued' AND lease_expires_at < now() AND claimed_by IS NULL RETURNING org_id AS "orgId"`,
    );
    return [...new Set(rows.map((row) => row.orgId))];
  }

  /**
   * Claims not started within their lease go back to the queue (attempt + 1) or, after
   * `maxAttempts` claims, fail with `lease_expired`; each gets an event. Returns the `error` events of
   * the runs that failed and the `lease_expired` events of those back in the queue (whose orgs'
   * claimants the caller wakes).
   */
  async expireLeases(db: EntityManager, maxAttempts: number): Promise<{ failures: WrittenRunEvent[]; requeued: WrittenRunEvent[] }> {
    const failures = await queryRows<WrittenRunEvent>(
      db,
      `WITH changed AS (
         UPDATE runs SET status = 'failed', finished_at = now(), lease_expires_at = NULL, last_event_seq = last_event_seq + 1,
           error = jsonb_build_object('code', 'lease_expired', 'message', 'Claimed ' || attempt || ' times and never started.')
         WHERE status = 'queued' AND lease_expires_at < now() AND claimed_by IS NOT NULL AND attempt - try_first_attempt + 1 >= $1
         RETURNING id, org_id, agent_id, last_event_seq, attempt),
       logged AS (
         INSERT INTO run_events (run_id, seq, type, message, data, attempt)
         SELECT id, last_event_seq, 'error', 'Claimed ' || attempt || ' times and never started.', jsonb_build_object('code', 'lease_expired'), attempt FROM changed
         RETURNING run_id, seq, type, message)
       ${WRITTEN_EVENTS}`,
      [maxAttempts],
    );
    const requeued = await queryRows<WrittenRunEvent>(
      db,
      `WITH changed AS (
         UPDATE runs SET attempt = attempt + 1, claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL, last_event_seq = last_event_seq + 1
         WHERE status = 'queued' AND lease_expires_at < now() AND claimed_by IS NOT NULL
         RETURNING id, org_id, agent_id, last_event_seq, attempt),
       logged AS (
         INSERT INTO run_events (run_id, seq, type, message, data, attempt)
         SELECT id, last_event_seq, 'lease_expired', 'Not started within its lease; back in the queue.', jsonb_build_object('attempt', attempt), attempt FROM changed
         RETURNING run_id, seq, type, message)
       ${WRITTEN_EVENTS}`,
    );
    return { failures, requeued };
  }

  /**
   * Running runs past their timeout (no event or heartbeat in time) fail with `timed_out`. The
   * deadline is stored on the run by whichever instance took its last report, so the sweep needs no
   * configuration of its own and any instance may run it.
   */
  async timeOutSilentRuns(db: EntityManager): Promise<WrittenRunEvent[]> {
    const message = 'No event or heartbeat in time; the runtime is presumed gone. The run is not handed out again.';
    return queryRows<WrittenRunEvent>(
      db,
      `WITH changed AS (
         UPDATE runs SET status = 'failed', finished_at = now(), last_event_seq = last_event_seq + 1,
           error = jsonb_build_object('code', 'timed_out', 'message', $1::text)
         WHERE status = 'running' AND timeout_at < now()
         RETURNING id, org_id, agent_id, last_event_seq, attempt),
       logged AS (
         INSERT INTO run_events (run_id, seq, type, message, data, attempt)
         SELECT id, last_event_seq, 'error', $1::text, jsonb_build_object('code', 'timed_out'), attempt FROM changed
         RETURNING run_id, seq, type, message)
       ${WRITTEN_EVENTS}`,
      [message],
    );
  }

  /**
   * Deletes up to `batchSize` runs that finished more than `retentionDays` ago (their events go with
   * them) and takes them off their agents' counts, in one statement. SKIP LOCKED lets instances
   * that sweep at once share the work.
   */
  async purgeFinished(db: EntityManager, retentionDays: number, batchSize: number): Promise<number> {
    const rows = await queryRows<{ n: string }>(
      db,
      `WITH doomed AS (
         SELECT id FROM runs WHERE finished_at < now() - make_interval(days => $1)
         ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM runs r USING doomed d WHERE r.id = d.id RETURNING r.agent_id),
       per_agent AS (SELECT agent_id, count(*) AS n FROM deleted GROUP BY agent_id),
       counted AS (UPDATE agents a SET runs_count = a.runs_count - p.n FROM per_agent p WHERE a.id = p.agent_id)
       SELECT count(*)::text AS n FROM deleted`,
      [retentionDays, batchSize],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
