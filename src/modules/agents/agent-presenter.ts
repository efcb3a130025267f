import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccessRights } from '../access/domain/access.policy';
import { VariationPair, VariationsRepository } from '../variation-store/variations.repository';
import { AgentRow } from './agent.row';
import { toAgentResponse } from './agent-response.mapper';
import { agentErrors } from './agents.errors';
import { AgentResponseDto } from './dto/agent-response.dto';

export type AgentView = 'draft' | 'active';

/**
 * Builds a single-agent response from a row the use case holds, reading the variation it shows.
 * Writes that already hold that variation call toAgentResponse directly.
 */
@Injectable()
export class AgentPresenter {
  constructor(private readonly variations: VariationsRepository) {}

  async present(db: EntityManager, agent: AgentRow, rights: AccessRights, view: AgentView = 'draft'): Promise<AgentResponseDto> {
    return this.show(agent, rights, await this.variations.findPair(db, agent.activeVariationId, view === 'draft' ? agent.draftVariationId : null), view);
  }

  /** The response from variations the use case already read with the agent. */
  show(agent: AgentRow, rights: AccessRights, { active, draft }: VariationPair, view: AgentView = 'draft'): AgentResponseDto {
    const viewed = view === 'draft' ? (draft ?? active) : active;
    if (!viewed) throw agentErrors.neverDeployed();
    return toAgentResponse(agent, rights, viewed);
  }
}
