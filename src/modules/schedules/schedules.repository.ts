import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';

/** An agent whose stored next tick is due, with what the sweep needs to act on it. */
export interface DueAgent {
  id: number;
  orgId: string;
  nextRunAt: Date;
  activeVariationId: string;
  /** The active (production) version's number, which a staging deploy or a rollback makes differ from the newest one. */
  latestVersion: number;
  trigger: unknown;
  /** Its previous scheduled run is still queued or running: this tick is skipped (awaiting approval does not block). */
  busy: boolean;
  now: Date;
}

export interface TickOutcome {
  agentId: number;
  nextRunAt: Date | null;
  tickAt: Date | null;
  runId: string | null;
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
 * Due agents, oldest tick first, locked. The partial index on next_run_at makes this an index scan on
 * due ticks; SKIP LOCKED lets every instance's sweep take different agents. Exported for the benchmark,
 * which checks the plan.
 */
export const DUE_AGENTS_SQL = `
  SELECT a.id, a.org_id AS "orgId", a.next_run_at AS "nextRunAt", a.active_variation_id AS "activeVariationId",
    v.version AS "latestVersion", v.content->'trigger' AS trigger, now() AS now,
    EXISTS (SELECT 1 FROM runs r WHERE r.agent_id = a.id AND r.trigger = 'schedule' AND r.status IN ('queued', 'running')) AS busy
  FROM agents a JOIN variations v ON v.id = a.active_variation_id
  WHERE a.next_run_at IS NOT NULL AND a.next_run_at <= now() AND a.status = 'active' AND a.is_schedule_active
  ORDER BY a.next_run_at
  LIMIT $1
  FOR UPDATE OF a SKIP LOCKED`;

/** The agents table's schedule columns: the stored next tick and what became of past ticks. */
@Injectable()
export class SchedulesRepository {
  /** Locks up to `limit` agents whose next tick is due (DUE_AGENTS_SQL). */
  claimDue(db: EntityManager, limit: number): Promise<DueAgent[]> {
    return queryRows<DueAgent>(db, DUE_AGENTS_SQL, [limit]);
  }

  /**
   * Advances each swept agent to its next tick and records the tick it handled. Not an edit of the
   * agent: its version (ETag) stays, so clients holding it get no needless 412.
   */
  async advance(db: EntityManager, outcomes: TickOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await db.query(
      `UPDATE agents a SET next_run_at = t.next_run_at,
         last_tick_at = COALESCE(t.tick_at, a.last_tick_at),
         last_tick_run_id = CASE WHEN t.tick_at IS NULL THEN a.last_tick_run_id ELSE t.run_id END,
         skipped_ticks = a.skipped_ticks + t.skipped, missed_ticks = a.missed_ticks + t.missed
       FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[], $4::uuid[], $5::int[], $6::int[])
         AS t(agent_id, next_run_at, tick_at, run_id, skipped, missed)
       WHERE a.id = t.agent_id`,
      [
        outcomes.map((o) => o.agentId),
        outcomes.map((o) => o.nextRunAt),
        outcomes.map((o) => o.tickAt),
        outcomes.map((o) => o.runId),
        outcomes.map((o) => o.skipped),
        outcomes.map((o) => o.missed),
      ],
    );
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
