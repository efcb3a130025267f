import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../infrastructure/database/change';
import { EVENT_INSERT_COLUMNS, notifyOrgsOf } from '../../infrastructure/database/event-append.sql';
import { queryRows } from '../../infrastructure/database/query-rows';
import { RUN_QUEUE_CHANNEL } from '../runs/runs.repository';

/** An agent whose stored next tick is due, locked, with what the sweep needs to act on it. */
export interface DueAgent {
  id: number;
  orgId: string;
  nextRunAt: Date;
  activeVariationId: string;
  /** The active variation's version: the run is pinned to it. */
  version: number;
  /** That version limits the agent's runs (SPEC §15): the run is inserted as capacity-limited. */
  limited: boolean;
  trigger: unknown;
  /** Its previous scheduled run is still queued or running: this tick is skipped (awaiting approval does not block). */
  busy: boolean;
  /** The database's clock, one reading for the batch. */
  now: Date;
}

/** What one sweep decided for one due agent. */
export interface TickOutcome {
  agentId: number;
  nextRunAt: Date | null;
  tickAt: Date | null;
  /** The run to create for `tickAt`, or null when the tick is skipped or missed. */
  run: { id: string; orgId: string; variationId: string; version: number; limited: boolean } | null;
  skipped: number;
  missed: number;
}

export interface ScheduleState {
  lastTickAt: Date | null;
  lastTickRunId: string | null;
  skippedTicks: number;
  missedTicks: number;
}

/**
 * Locks up to $1 agents whose next tick is due, oldest tick first, skipping those another sweep holds.
 * It reads nothing else: a row that changed between this statement's snapshot and its lock is
 * re-checked as it now is, but columns read through a join would still be the snapshot's (the
 * previous active variation, say), so DUE_AGENTS_SQL reads them afterwards. An index scan of
 * `agents_due_ticks_idx` over the due range only, however many agents have a schedule. Exported for
 * the benchmark and the plan test.
 */
export const LOCK_DUE_SQL = `
  SELECT id FROM agents
  WHERE next_run_at IS NOT NULL AND next_run_at <= now() AND status = 'active' AND is_schedule_active
  ORDER BY next_run_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;

/**
 * The locked agents as they now stand (a statement of its own, so its snapshot follows the locks),
 * with their active variation's trigger and whether a previous scheduled run still blocks the tick
 * (runs_schedule_busy_idx: one probe of the agent's scheduled runs still queued or running, not its history),
 * and whether that version limits the agent's runs (the run is inserted with it: no trigger per run).
 * The probe is a LATERAL … LIMIT 1, not an EXISTS: for a batch of thousands of agents PostgreSQL
 * turns an EXISTS into one hashed read of every queued-or-running scheduled run in the database (a
 * sequential scan of runs, or the whole index), so each batch got slower as the backlog grew; a
 * LATERAL subquery with a LIMIT stays one probe per agent of the batch (test/schedules-plan.e2e-spec.ts).
 */
export const DUE_AGENTS_SQL = `
  SELECT a.id, a.org_id AS "orgId", a.next_run_at AS "nextRunAt", a.active_variation_id AS "activeVariationId",
    v.version, capacity_limited(v.content) AS limited, v.content->'trigger' AS trigger, now() AS now,
    blocking.run IS NOT NULL AS busy
  FROM agents a JOIN variations v ON v.id = a.active_variation_id
  LEFT JOIN LATERAL (
    SELECT true AS run FROM runs r WHERE r.agent_id = a.id AND r.status IN ('queued', 'running') AND r.trigger = 'schedule' LIMIT 1
  ) blocking ON true
  WHERE a.id = ANY($1::int[])`;

/**
 * A sweep's whole write for a batch, in one statement: the runs of the ticks that run (the unique key
 * on (agent, tick) drops a run another sweep already made), each agent's next tick and what became of
 * this one (`runsCount` counts only runs actually created), a `run.queued` event per created run in
 * the event log, and the NOTIFYs that wake the org's claimants and streams at COMMIT. The events are
 * written here rather than recorded through the unit of work for the same reason as the claim's
 * (docs/decisions.md, "Issue #28"): built in SQL from the inserted rows they cost nothing to carry,
 * where recording them would ship every run back to the service and out again. They take this
 * transaction's id and the log's sequence like any append, so the cursor rules hold.
 */
export const RECORD_TICKS_SQL = `WITH t AS (
    SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[], $4::int[], $5::int[], $6::uuid[], $7::uuid[], $8::uuid[], $9::int[], $10::boolean[])
      AS t(agent_id, next_run_at, tick_at, skipped, missed, run_id, org_id, variation_id, version, limited)),
  created AS (
    INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, capacity_limited, status, trigger, scheduled_for, created_by)
    SELECT t.run_id, t.org_id, t.agent_id, t.variation_id, t.version, t.limited, 'queued', 'schedule', t.tick_at, 'schedule'
    FROM t WHERE t.run_id IS NOT NULL
    ON CONFLICT (agent_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
    RETURNING id, org_id, agent_id, variation_version, scheduled_for),
  advanced AS (
    UPDATE agents a SET next_run_at = t.next_run_at,
      last_tick_at = COALESCE(t.tick_at, a.last_tick_at),
      last_tick_run_id = CASE WHEN t.tick_at IS NULL THEN a.last_tick_run_id ELSE c.id END,
      runs_count = a.runs_count + (c.id IS NOT NULL)::int,
      skipped_ticks = a.skipped_ticks + t.skipped, missed_ticks = a.missed_ticks + t.missed
    FROM t LEFT JOIN created c ON c.agent_id = t.agent_id
    WHERE a.id = t.agent_id),
  logged AS (
    INSERT INTO events (${EVENT_INSERT_COLUMNS})
    SELECT 'run.queued', c.org_id, c.agent_id, c.id, $11, $12, $13,
      jsonb_build_object('trigger', 'schedule', 'version', c.variation_version,
        'scheduledFor', to_char(c.scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    FROM created c ORDER BY c.agent_id
    RETURNING org_id),
  announced AS (${notifyOrgsOf('logged')}),
  woken AS (SELECT pg_notify('${RUN_QUEUE_CHANNEL}', o.org_id::text) FROM (SELECT DISTINCT org_id FROM created) o)
  SELECT (SELECT count(*) FROM created)::int AS created, (SELECT count(*) FROM announced)::int AS announced, (SELECT count(*) FROM woken)::int AS woken`;

/** The agents table's schedule columns: the stored next tick and what became of past ticks. */
@Injectable()
export class SchedulesRepository {
  /** Locks up to `limit` due agents (LOCK_DUE_SQL), then reads them (DUE_AGENTS_SQL). */
  async claimDue(db: EntityManager, limit: number): Promise<DueAgent[]> {
    const locked = await queryRows<{ id: number }>(db, LOCK_DUE_SQL, [limit]);
    if (locked.length === 0) return [];
    return queryRows<DueAgent>(db, DUE_AGENTS_SQL, [locked.map((row) => row.id)]);
  }

  /**
   * Writes the batch's outcomes (RECORD_TICKS_SQL) and returns how many runs it created. Advancing the
   * next tick is not an edit of the agent: its version (ETag) stays, so clients holding it get no needless 412.
   */
  async recordTicks(db: EntityManager, outcomes: readonly TickOutcome[], actor: Actor): Promise<number> {
    if (outcomes.length === 0) return 0;
    const [row] = await queryRows<{ created: number }>(db, RECORD_TICKS_SQL, [
      outcomes.map((o) => o.agentId),
      outcomes.map((o) => o.nextRunAt),
      outcomes.map((o) => o.tickAt),
      outcomes.map((o) => o.skipped),
      outcomes.map((o) => o.missed),
      outcomes.map((o) => o.run?.id ?? null),
      outcomes.map((o) => o.run?.orgId ?? null),
      outcomes.map((o) => o.run?.variationId ?? null),
      outcomes.map((o) => o.run?.version ?? null),
      outcomes.map((o) => o.run?.limited ?? null),
      actor.subject,
      actor.kind,
      actor.requestId,
    ]);
    return row.created;
  }

  async state(db: EntityManager, agentId: number): Promise<ScheduleState> {
    const [row] = await queryRows<ScheduleState>(
      db,
      `SELECT last_tick_at AS "lastTickAt", last_tick_run_id AS "lastTickRunId", skipped_ticks AS "skippedTicks", missed_ticks AS "missedTicks"
       FROM agents WHERE id = $1`,
      [agentId],
    );
    return row;
  }
}
