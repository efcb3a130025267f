import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AccessRights } from '../access/domain/access.policy';
import { VariationsRepository } from '../variations/variations.repository';
import { AgentRow } from './agent.row';
import { toAgentResponse } from './agent-response.mapper';
import { AgentsRepository } from './agents.repository';
import { AgentResponseDto } from './dto/agent-response.dto';

export type AgentView = 'draft' | 'active';

/** Builds single-agent responses: the agent row plus the variation being viewed, two queries in all. */
@Injectable()
export class AgentPresenter {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
  ) {}

  async present(db: EntityManager, agent: AgentRow, rights: AccessRights, view: AgentView = 'draft'): Promise<AgentResponseDto> {
    const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, view === 'draft' ? agent.draftVariationId : null);
    const viewed = view === 'draft' ? (draft ?? active) : active;
    if (!viewed) throw new DomainError(ErrorCode.NOT_FOUND, 'This agent has never been deployed; there is no active view.');
    return toAgentResponse(agent, rights, viewed);
  }

  /** Re-reads the agent after a write in the same transaction, so the response shows exactly what was committed. */
  async presentFresh(db: EntityManager, agent: AgentRow, rights: AccessRights): Promise<AgentResponseDto> {
    const fresh = await this.agents.find(db, agent.orgId, { id: agent.id });
    if (!fresh) throw new Error(`agent ${agent.id} vanished inside its own transaction`);
    return this.present(db, fresh, rights);
  }
}
