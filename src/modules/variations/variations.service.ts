import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IfMatchCondition } from '../../common/http/if-match';
import { keysetPage, pageCursor } from '../../common/pagination/keyset-page';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { actorOf, Principal } from '../auth/domain/principal';
import { AgentGate } from '../agents/agent-gate';
import { AgentPresenter } from '../agents/agent-presenter';
import { toAgentResponse } from '../agents/agent-response.mapper';
import { AgentWriter } from '../agents/agent-writer';
import { AgentsRepository } from '../agents/agents.repository';
import { agentChange } from '../agents/domain/agent-events';
import { moveAgent } from '../agents/domain/agent-lifecycle';
import { NO_NOTIFICATION_CHANGE, restoreWrite } from '../agents/domain/agent-write';
import { AgentRef } from '../agents/domain/agent-ref';
import { AgentResponseDto } from '../agents/dto/agent-response.dto';
import { diffContent } from '../variation-store/domain/variation-diff';
import { AgentDiffResponseDto, VariationDetailDto, VariationListResponseDto } from '../variation-store/dto/variation-response.dto';
import { toVariationDetail, toVariationSummary } from '../variation-store/variation-response.mapper';
import { AgentPublisher } from './agent-publisher';
import { variationErrors } from './variations.errors';
import { VariationsRepository } from '../variation-store/variations.repository';

/** An agent's versions: publish the draft, compare it with what is live, browse history, restore. */
@Injectable()
export class VariationsService {
  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly presenter: AgentPresenter,
    private readonly writer: AgentWriter,
    private readonly publisher: AgentPublisher,
  ) {}

  async deploy(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { agent, rights } = await this.gate.lock(work.db, principal, ref, { level: 'manage', ifMatch });
      const published = await this.publisher.publishDraft(work, agent);
      return published ? toAgentResponse(published.agent, rights, published.viewed) : this.presenter.present(work.db, agent, rights);
    });
  }

  /** Throws the pending draft away; the agent shows its active content again. */
  async discardDraft(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { agent, rights, variations } = await this.gate.lockShowing(work.db, principal, ref, { level: 'manage', ifMatch });
      const discarded = moveAgent(agent, { name: 'discard_draft' }, new Date());
      if (!discarded || !agent.draftVariationId) return this.presenter.show(agent, rights, variations);
      const { active } = variations;
      if (!active) throw new Error(`agent ${agent.id} lost its active variation`);
      const updated = await this.agents.update(work.db, agent.id, {
        ...discarded.changes,
        name: active.content.name,
        type: active.content.type,
        description: active.content.description,
      });
      await this.variations.deleteDraft(work.db, agent.draftVariationId);
      work.record(agentChange(agent, discarded.event));
      return toAgentResponse(updated, rights, active);
    });
  }

  async diff(principal: Principal, ref: AgentRef): Promise<AgentDiffResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'manage');
    const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, agent.draftVariationId);
    return {
      hasUnpublishedChanges: agent.hasUnpublishedChanges,
      activeVersion: active?.version ?? null,
      changes: draft ? diffContent(active?.content ?? null, draft.content) : [],
    };
  }

  async history(principal: Principal, ref: AgentRef, pageSize = 50, pageToken?: string): Promise<VariationListResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'manage');
    const rows = await this.variations.listHistory(db, agent.id, pageSize + 1, pageCursor(pageToken, 'text'));
    const { items, nextPageToken } = keysetPage(rows, pageSize, (variation) => variation.seq);
    return { variations: items.map(toVariationSummary), nextPageToken };
  }

  async variation(principal: Principal, ref: AgentRef, variationId: string): Promise<VariationDetailDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'manage');
    const variation = await this.variations.find(db, agent.id, variationId);
    if (!variation) throw variationErrors.notFound();
    return toVariationDetail(variation);
  }

  /** Copies a variation's content into the draft, through the same write pipeline as a PATCH. */
  async restore(principal: Principal, ref: AgentRef, variationId: string, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { agent, rights, variations } = await this.gate.lockShowing(work.db, principal, ref, { level: 'manage', ifMatch });
      const source = await this.variations.find(work.db, agent.id, variationId);
      if (!source) throw variationErrors.notFound();
      const written = await this.writer.update(work, principal, agent, variations, restoreWrite(source.content), NO_NOTIFICATION_CHANGE);
      return toAgentResponse(written.agent, rights, written.viewed);
    });
  }
}
