import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FieldError } from '../../common/errors/field-error';
import { evaluateAccess } from '../access/domain/access.policy';
import { Principal } from '../auth/domain/principal';
import { findSubAgentCycle } from '../variation-store/domain/sub-agent-graph';
import { SubAgentRef } from '../variation-store/domain/variation-content';
import { accessOf } from './agent.row';
import { agentErrors } from './agents.errors';
import { AgentsRepository } from './agents.repository';

/** Sub-agents must be other agents of the org that the caller can use, without a cycle back (422). */
@Injectable()
export class SubAgentsChecker {
  constructor(private readonly agents: AgentsRepository) {}

  async check(db: EntityManager, principal: Principal, agentId: number | null, subAgents: SubAgentRef[]): Promise<void> {
    if (subAgents.length === 0) return;
    const ids = subAgents.map((s) => s.agentId);
    const found = new Map((await this.agents.findMany(db, principal.orgId, ids)).map((a) => [a.id, a]));
    const errors: FieldError[] = [];
    const seen = new Set<number>();
    subAgents.forEach(({ agentId: id }, index) => {
      const field = `subAgents[${index}].agentId`;
      const target = found.get(id);
      if (id === agentId) errors.push({ field, message: 'an agent cannot be its own sub-agent' });
      else if (seen.has(id)) errors.push({ field, message: `agent ${id} is listed twice` });
      else if (!target || target.status === 'deleted' || !evaluateAccess(principal, accessOf(target)).canUse) {
        errors.push({ field, message: `no agent ${id} that you can use exists in this organization` });
      }
      seen.add(id);
    });
    // A new agent has no incoming edge yet, so only writes to an existing one can close a cycle.
    if (errors.length === 0 && agentId !== null) {
      await this.agents.lockSubAgentGraph(db, principal.orgId);
      const edges = await this.agents.subAgentEdgesFrom(db, principal.orgId, ids);
      const subAgentsOf = new Map<number, number[]>();
      for (const edge of edges) subAgentsOf.set(edge.agentId, [...(subAgentsOf.get(edge.agentId) ?? []), edge.subAgentId]);
      const cycle = findSubAgentCycle(agentId, ids, (id) => subAgentsOf.get(id) ?? []);
      if (cycle) errors.push({ field: 'subAgents', message: `sub-agents would form a cycle: ${cycle.join(' → ')}` });
    }
    if (errors.length > 0) throw agentErrors.invalidSubAgents(errors);
  }
}
