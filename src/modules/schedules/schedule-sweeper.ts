import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Change, SYSTEM_ACTOR } from '../../infrastructure/database/change';
import { UnitOfWork, Work } from '../../infrastructure/database/unit-of-work';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { Metrics } from '../../infrastructure/metrics/metrics';
import { runQueuedChange } from '../runs/domain/run-events';
import { RunsRepository } from '../runs/runs.repository';
import { dueTicks, nextTick } from '../variation-store/domain/schedule-ticks';
import { isScheduleTrigger } from '../variation-store/domain/schedule-trigger';
import { DueAgent, SchedulesRepository, TickOutcome } from './schedules.repository';

const BATCH = 500;

/**
 * Turns due schedule ticks into runs, exactly once per tick however many instances sweep: due agents
 * are claimed under row locks (SKIP LOCKED), and each agent's run and its next tick are written in the
 * same transaction; the unique key on (agent, tick) backs that up. pg-boss's own `schedule()` is not
 * used: it drops ticks missed while no instance ran, where here the stored next tick survives.
 */
@Injectable()
export class ScheduleSweeper implements OnModuleInit {
  private readonly logger = new Logger(ScheduleSweeper.name);

  constructor(
    private readonly tx: UnitOfWork,
    private readonly config: AppConfig,
    private readonly schedules: SchedulesRepository,
    private readonly runs: RunsRepository,
    private readonly jobs: Jobs,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.jobs.every('schedules-sweep', this.config.JOBS_SWEEP_INTERVAL_MS, async () => {
      const swept = await this.sweep();
      if (swept > 0) this.logger.log(`${swept} due schedule tick(s) handled`);
    });
  }

  /** Sweeps in batches of one transaction each until nothing is due; returns how many agents it handled. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const { handled, ticks } = await this.tx.run(SYSTEM_ACTOR, (work) => this.sweepBatch(work));
      this.metrics.scheduledRunsCreated(ticks);
      total += handled;
      if (handled < BATCH) return total;
    }
  }

  /** A tick's run is recorded as queued; skipped and missed ticks as what they are (SPEC §13). */
  private async sweepBatch(work: Work): Promise<{ handled: number; ticks: (Date | null)[] }> {
    const { db } = work;
    const due = await this.schedules.claimDue(db, BATCH);
    const outcomes = due.map((agent) => this.decide(agent));
    const wanted = outcomes.flatMap((outcome, index) =>
      outcome.runId && outcome.tickAt
        ? [{ id: outcome.runId, orgId: due[index].orgId, agentId: due[index].id, variationId: due[index].activeVariationId, variationVersion: due[index].latestVersion, scheduledFor: outcome.tickAt }]
        : [],
    );
    const created = await this.runs.insertScheduled(db, wanted);
    const createdIds = new Set(created.map((run) => run.id));
    for (const outcome of outcomes) if (outcome.runId && !createdIds.has(outcome.runId)) outcome.runId = null;
    await this.schedules.advance(db, outcomes);
    for (const orgId of new Set(created.map((run) => run.orgId))) await this.runs.wakeClaimants(db, orgId);
    work.record(created.map(runQueuedChange));
    work.record(outcomes.flatMap((outcome, index) => tickChanges(due[index], outcome)));
    return { handled: due.length, ticks: created.map((run) => run.scheduledFor) };
  }

  /**
   * SPEC §8 for one due agent: only the latest due tick may run, and only when younger than
   * SCHEDULE_CATCHUP_SECONDS (older ones are counted as missed); a tick while the previous scheduled
   * run is still queued or running is skipped and counted; the next tick is the first after now.
   */
  private decide(agent: DueAgent): TickOutcome {
    if (!isScheduleTrigger(agent.trigger)) return { agentId: agent.id, nextRunAt: null, tickAt: null, runId: null, skipped: 0, missed: 0 };
    const schedule = agent.trigger.schedule;
    const now = new Date(agent.now);
    const { latest, count } = dueTicks(schedule, new Date(agent.nextRunAt), now);
    const outcome: TickOutcome = { agentId: agent.id, nextRunAt: nextTick(schedule, now), tickAt: latest, runId: null, skipped: 0, missed: count - 1 };
    if (now.getTime() - latest.getTime() > this.config.SCHEDULE_CATCHUP_SECONDS * 1000) outcome.missed += 1;
    else if (agent.busy) outcome.skipped = 1;
    else outcome.runId = randomUUID();
    return outcome;
  }
}

/** A sweep's skipped and missed ticks of one agent, as changes. */
function tickChanges(agent: DueAgent, { skipped, missed, tickAt }: TickOutcome): Change[] {
  const tick = (type: string, count: number): Change => ({ type, orgId: agent.orgId, agentId: agent.id, data: { count, latestTick: tickAt?.toISOString() ?? null } });
  return [...(skipped > 0 ? [tick('schedule.tick_skipped', skipped)] : []), ...(missed > 0 ? [tick('schedule.tick_missed', missed)] : [])];
}
