import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isoOrNull } from '../../common/http/iso-date';
import { AgentGate } from '../agents/agent-gate';
import { AgentRef } from '../agents/domain/agent-ref';
import { Principal } from '../auth/domain/principal';
import { nextTicks } from '../variation-store/domain/schedule-ticks';
import { isScheduleTrigger } from '../variation-store/domain/schedule-trigger';
import { VariationsRepository } from '../variation-store/variations.repository';
import { ScheduleDto } from './dto/schedule.dto';
import { SchedulesRepository } from './schedules.repository';

const UPCOMING = 5;

@Injectable()
export class SchedulesService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly variations: VariationsRepository,
    private readonly schedules: SchedulesRepository,
  ) {}

  /**
   * The agent, its active variation and its tick counters are three reads; they share one snapshot
   * (REPEATABLE READ), or a sweep committing between them showed a tick counted as missed beside the
   * next tick it had already replaced (CI, test/schedules.e2e-spec.ts). READ ONLY: it writes nothing,
   * which is why it may open its transaction outside the write seam.
   */
  async get(principal: Principal, ref: AgentRef): Promise<ScheduleDto> {
    return this.db.transaction('REPEATABLE READ', async (db) => {
      await db.query('SET TRANSACTION READ ONLY');
      return this.read(db, principal, ref);
    });
  }

  private async read(db: EntityManager, principal: Principal, ref: AgentRef): Promise<ScheduleDto> {
    const { agent } = await this.gate.read(db, principal, ref, 'use');
    const [{ active }, state] = await Promise.all([this.variations.findPair(db, agent.activeVariationId, null), this.schedules.state(db, agent.id)]);
    const trigger = active?.content.trigger;
    const scheduled = isScheduleTrigger(trigger);
    const running = scheduled && agent.isScheduleActive && agent.status === 'active' && agent.nextRunAt !== null;
    // While it runs, the stored next tick leads the list, so the list and nextRunAt never disagree.
    const upcoming = !scheduled
      ? []
      : running && agent.nextRunAt
        ? [new Date(agent.nextRunAt), ...nextTicks(trigger.schedule, new Date(agent.nextRunAt), UPCOMING - 1)]
        : nextTicks(trigger.schedule, new Date(), UPCOMING);
    return {
      cron: scheduled ? trigger.schedule.cron : null,
      timezone: scheduled ? trigger.schedule.timezone : null,
      active: running,
      nextTicks: upcoming.map((tick) => tick.toISOString()),
      nextRunAt: isoOrNull(agent.nextRunAt),
      lastTick: state.lastTickAt ? { at: new Date(state.lastTickAt).toISOString(), runId: state.lastTickRunId } : null,
      skippedTicks: state.skippedTicks,
      missedTicks: state.missedTicks,
    };
  }
}
