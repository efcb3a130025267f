import { Injectable } from '@nestjs/common';
import { Work } from '../../../infrastructure/database/unit-of-work';
import { AgentsRepository } from '../../agents/agents.repository';
import { agentChange } from '../../agents/domain/agent-events';
import { moveAgent } from '../../agents/domain/agent-lifecycle';
import { Budget } from '../../variation-store/domain/admission-content';
import { overBudget, Usage } from '../domain/run-usage';
import { UsageRepository } from './usage.repository';

/**
 * What an event's usage does besides the run's totals (SPEC §15): the org's rollup, and the agent's
 * monthly budget. Runs in the event's transaction, after the run row was locked and updated.
 */
@Injectable()
export class RunUsage {
  constructor(
    private readonly usage: UsageRepository,
    private readonly agents: AgentsRepository,
  ) {}

  /**
   * Adds the usage to the rollup; when the agent's spend this UTC month is over the budget of its
   * active version, the first such event of the month (budget_alerts' key decides, across instances)
   * records `agent.budget_exceeded` and, with `pause`, pauses the agent (`agent.paused`), as a pause
   * by hand would: queued runs are held, new ones refused. The run that crossed it finishes as reported.
   */
  async record(work: Work, run: { orgId: string; agentId: number }, usage: Usage): Promise<void> {
    const { month, spentUsd } = await this.usage.add(work.db, run.orgId, run.agentId, usage);
    const budget = (await this.usage.budgetOf(work.db, run.agentId)) as Budget | null;
    if (!budget || !overBudget(spentUsd, budget.monthlyUsd)) return;
    const crossed = await this.usage.markCrossed(work.db, { orgId: run.orgId, agentId: run.agentId, month, spentUsd, monthlyUsd: budget.monthlyUsd, onExceeded: budget.onExceeded });
    if (!crossed) return;
    work.record(agentChange({ id: run.agentId, orgId: run.orgId }, 'agent.budget_exceeded', { month: month.slice(0, 7), spentUsd, monthlyUsd: budget.monthlyUsd, onExceeded: budget.onExceeded }));
    if (budget.onExceeded !== 'pause') return;
    const agent = await this.agents.findForUpdate(work.db, run.orgId, { id: run.agentId });
    if (agent?.status !== 'active') return;
    const moved = moveAgent(agent, { name: 'pause' }, new Date());
    if (!moved) return;
    await this.agents.update(work.db, agent.id, moved.changes);
    work.record(agentChange(agent, moved.event, { reason: 'budget_exceeded' }));
  }
}
