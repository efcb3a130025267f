import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Change, SYSTEM_ACTOR } from '../../infrastructure/database/change';
import { UnitOfWork, Work } from '../../infrastructure/database/unit-of-work';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { Metrics } from '../../infrastructure/metrics/metrics';
import { dueTicks, nextTick, ScheduleSpec } from '../variation-store/domain/schedule-ticks';
import { isScheduleTrigger } from '../variation-store/domain/schedule-trigger';
import { DueAgent, SchedulesRepository, TickOutcome } from './schedules.repository';

/**
 * Agents per transaction. Large enough that a tick of 100,000 agents is a few dozen statements, small
 * enough that a batch commits (and its runtimes can claim) within a fraction of a second and no
 * statement nears the statement timeout.
 */
const BATCH = 2500;
/**
 * Batches in flight at once in the sweeping instance, each its own transaction on its own pooled
 * connection: while one batch waits for PostgreSQL to write, another is being read or computed, and
 * PostgreSQL writes two at a time on two cores. SKIP LOCKED keeps their agents apart.
 */
const PARALLEL = 2;
/**
 * A sweep's first batch: small, so that when a tick has made thousands of agents due the parallel
 * batches start after a fraction of a second rather than after a whole batch on its own.
 */
const FIRST_BATCH = 500;
/**
 * Ticks fall on whole minutes (a cron names minutes, and zones' offsets are whole minutes), so a sweep
 * once a second finds a tick within a second; the other sweeps' interval (JOBS_SWEEP_INTERVAL_MS,
 * 5 s by default) would make every run up to 5 s late. A sweep that finds nothing due is one index probe.
 */
const MAX_INTERVAL_MS = 1000;

/**
 * Turns due schedule ticks into runs, exactly once per tick however many instances sweep. A batch is
 * set-based: due agents are locked (SKIP LOCKED), read, their next ticks computed once per distinct
 * schedule, and their runs, next ticks, tick counters and `run.queued` events written by one
 * statement; the unique key on (agent, tick) backs the locks up. pg-boss's own `schedule()` is not
 * used: it drops ticks missed while no instance ran, where here the stored next tick survives.
 */
@Injectable()
export class ScheduleSweeper implements OnModuleInit {
  private readonly logger = new Logger(ScheduleSweeper.name);

  constructor(
    private readonly tx: UnitOfWork,
    private readonly config: AppConfig,
    private readonly schedules: SchedulesRepository,
    private readonly jobs: Jobs,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.jobs.every('schedules-sweep', Math.min(this.config.JOBS_SWEEP_INTERVAL_MS, MAX_INTERVAL_MS), async () => {
      const swept = await this.sweep();
      if (swept > 0) this.logger.log(`${swept} due schedule tick(s) handled`);
    });
  }

  /**
   * Sweeps until nothing is due; returns how many agents it handled. One small batch first, so a sweep
   * that finds little takes one connection; only when it was full do PARALLEL loops of batches go on.
   */
  async sweep(): Promise<number> {
    const first = await this.sweepBatchOf(FIRST_BATCH);
    if (first < FIRST_BATCH) return first;
    const handled = await Promise.all(Array.from({ length: PARALLEL }, () => this.sweepUntilDone()));
    return handled.reduce((sum, n) => sum + n, first);
  }

  private async sweepBatchOf(size = BATCH): Promise<number> {
    const { handled, ticks } = await this.tx.run(SYSTEM_ACTOR, (work) => this.sweepBatch(work, size));
    this.metrics.scheduledRunsCreated(ticks);
    return handled;
  }

  private async sweepUntilDone(): Promise<number> {
    let total = 0;
    for (;;) {
      const handled = await this.sweepBatchOf();
      total += handled;
      if (handled < BATCH) return total;
    }
  }

  /** A tick's run is recorded as queued (by the batch's statement); skipped and missed ticks as what they are (SPEC §13). */
  private async sweepBatch(work: Work, size: number): Promise<{ handled: number; ticks: Date[] }> {
    const due = await this.schedules.claimDue(work.db, size);
    if (due.length === 0) return { handled: 0, ticks: [] };
    const book = new TickBook(new Date(due[0].now), this.config.SCHEDULE_CATCHUP_SECONDS * 1000, this.logger);
    const outcomes = due.map((agent) => book.decide(agent));
    const created = await this.schedules.recordTicks(work.db, outcomes, SYSTEM_ACTOR);
    work.record(outcomes.flatMap((outcome, index) => tickChanges(due[index], outcome)));
    // The schedule-lag metric observes the ticks whose runs this batch created. When the unique key
    // dropped some (another sweep made them first, a rare race) which ones is not known: none is observed.
    const running = outcomes.flatMap((outcome) => (outcome.run && outcome.tickAt ? [outcome.tickAt] : []));
    return { handled: due.length, ticks: created === running.length ? running : [] };
  }
}

/**
 * SPEC §8 for the agents of one batch, with one clock (the database's, read with the batch). The tick
 * arithmetic is done once per distinct schedule and due tick, not once per agent: 100,000 agents on
 * the same every-minute cron share one computation.
 */
class TickBook {
  private readonly next = new Map<string, Date | null>();
  private readonly due = new Map<string, { latest: Date; count: number } | null>();

  constructor(
    private readonly now: Date,
    private readonly catchUpMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Only the latest due tick may run, and only when younger than SCHEDULE_CATCHUP_SECONDS (older ones
   * are counted as missed); a tick while the previous scheduled run is still queued or running is
   * skipped and counted; the next tick is the first after now. An agent whose active version has no
   * schedule (or one its ticks cannot be computed for) stops ticking.
   */
  decide(agent: DueAgent): TickOutcome {
    const stop: TickOutcome = { agentId: agent.id, nextRunAt: null, tickAt: null, run: null, skipped: 0, missed: 0 };
    if (!isScheduleTrigger(agent.trigger)) return stop;
    const schedule = agent.trigger.schedule;
    const key = `${schedule.cron}\u0000${schedule.timezone}`;
    const nextRunAt = this.memo(this.next, key, () => nextTick(schedule, this.now), schedule);
    const first = new Date(agent.nextRunAt);
    const due = this.memo(this.due, `${key}\u0000${first.getTime()}`, () => dueTicks(schedule, first, this.now), schedule);
    if (!nextRunAt || !due) return stop;
    const outcome: TickOutcome = { agentId: agent.id, nextRunAt, tickAt: due.latest, run: null, skipped: 0, missed: due.count - 1 };
    if (this.now.getTime() - due.latest.getTime() > this.catchUpMs) outcome.missed += 1;
    else if (agent.busy) outcome.skipped = 1;
    else outcome.run = { id: randomUUID(), orgId: agent.orgId, variationId: agent.activeVariationId, version: agent.version, limited: agent.limited };
    return outcome;
  }

  /** A stored cron the parser cannot read (kept from before validation tightened) stops its agent rather than every batch it is in. */
  private memo<T>(cache: Map<string, T | null>, key: string, compute: () => T, schedule: ScheduleSpec): T | null {
    if (!cache.has(key)) {
      try {
        cache.set(key, compute());
      } catch (error) {
        this.logger.warn({ err: error, schedule }, 'a stored schedule cannot be computed; its agents stop ticking');
        cache.set(key, null);
      }
    }
    return cache.get(key) ?? null;
  }
}

/** A sweep's skipped and missed ticks of one agent, as changes. */
function tickChanges(agent: DueAgent, { skipped, missed, tickAt }: TickOutcome): Change[] {
  const tick = (type: string, count: number): Change => ({ type, orgId: agent.orgId, agentId: agent.id, data: { count, latestTick: tickAt?.toISOString() ?? null } });
  return [...(skipped > 0 ? [tick('schedule.tick_skipped', skipped)] : []), ...(missed > 0 ? [tick('schedule.tick_missed', missed)] : [])];
}
