import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { IfMatchCondition } from '../../common/http/if-match';
import { keysetPage, pageCursor } from '../../common/pagination/keyset-page';
import { Principal } from '../auth/domain/principal';
import { AgentChanges, AgentRow } from '../agents/agent.row';
import { AgentGate } from '../agents/agent-gate';
import { AgentPresenter } from '../agents/agent-presenter';
import { toAgentResponse } from '../agents/agent-response.mapper';
import { AgentWriter, WrittenAgent } from '../agents/agent-writer';
import { agentErrors } from '../agents/agents.errors';
import { AgentsRepository } from '../agents/agents.repository';
import { NO_NOTIFICATION_CHANGE, restoreWrite } from '../agents/domain/agent-write';
import { AgentRef } from '../agents/domain/agent-ref';
import { AgentResponseDto } from '../agents/dto/agent-response.dto';
import { runnabilityProblems } from '../variation-store/domain/runnability';
import { isScheduleTrigger, nextRunAt } from '../variation-store/domain/schedule-trigger';
import { diffContent } from './domain/variation-diff';
import { AgentDiffResponseDto, VariationDetailDto, VariationListResponseDto } from '../variation-store/dto/variation-response.dto';
import { toVariationDetail, toVariationSummary } from '../variation-store/variation-response.mapper';
import { variationErrors } from './variations.errors';
import { VariationsRepository } from '../variation-store/variations.repository';

/** An agent's versions: publish the draft, compare it with what is live, browse history, restore. */
@Injectable()
export class VariationsService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly presenter: AgentPresenter,
    private readonly writer: AgentWriter,
  ) {}

  async deploy(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'manage', ifMatch });
      const published = await this.publishDraft(db, agent);
      return published ? toAgentResponse(published.agent, rights, published.viewed) : this.presenter.present(db, agent, rights);
    });
  }

  /**
   * Publishes the locked agent's draft as its next version; undefined when there is nothing to
   * publish (no draft, or one equal to the active variation). The compatibility routes' live writes
   * publish through here too.
   */
  async publishDraft(db: EntityManager, agent: AgentRow): Promise<WrittenAgent | undefined> {
    const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, agent.draftVariationId);
    if (!draft || (active && active.contentHash === draft.contentHash)) return undefined;

    const problems = runnabilityProblems(draft.content);
    if (problems.length > 0) throw variationErrors.notRunnable(problems);

    const version = agent.latestVersion + 1;
    await this.variations.publish(db, draft.id, version, active?.id ?? null);
    const updated = await this.agents.update(db, agent.id, {
      ...activationChanges(agent, active?.content.trigger ?? null, draft.content.trigger),
      activeVariationId: draft.id,
      draftVariationId: null,
      latestVersion: version,
      hasUnpublishedChanges: false,
    });
    return { agent: updated, viewed: { id: draft.id, version, state: 'published', content: draft.content } };
  }

  /** Throws the pending draft away; the agent shows its active content again. */
  async discardDraft(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'manage', ifMatch });
      if (!agent.activeVariationId) throw agentErrors.notDeployed('The agent was never deployed: its draft is all it has.');
      if (!agent.draftVariationId) return this.presenter.present(db, agent, rights);
      const { active } = await this.variations.findPair(db, agent.activeVariationId, null);
      if (!active) throw new Error(`agent ${agent.id} lost its active variation`);
      const updated = await this.agents.update(db, agent.id, {
        draftVariationId: null,
        hasUnpublishedChanges: false,
        name: active.content.name,
        type: active.content.type,
        description: active.content.description,
      });
      await this.variations.deleteDraft(db, agent.draftVariationId);
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
    return this.db.transaction(async (db) => {
      const { agent, rights, variations } = await this.gate.lockShowing(db, principal, ref, { level: 'manage', ifMatch });
      const source = await this.variations.find(db, agent.id, variationId);
      if (!source) throw variationErrors.notFound();
      const written = await this.writer.update(db, principal, agent, variations, restoreWrite(source.content), NO_NOTIFICATION_CHANGE);
      return toAgentResponse(written.agent, rights, written.viewed);
    });
  }
}

/**
 * The agent columns a newly published version sets: status `active`, unless paused (the new version is
 * what runs on resume); the first deploy of a schedule turns it on, later deploys keep the user's choice.
 */
export function activationChanges(agent: AgentRow, previousTrigger: unknown, trigger: unknown): AgentChanges {
  const scheduled = isScheduleTrigger(trigger);
  const wasScheduled = agent.activeVariationId !== null && isScheduleTrigger(previousTrigger);
  const scheduleOn = scheduled && (agent.isScheduleActive || !wasScheduled);
  const paused = agent.status === 'paused';
  return {
    status: paused ? 'paused' : 'active',
    isScheduleActive: scheduleOn,
    nextRunAt: scheduleOn && scheduled && !paused ? nextRunAt(trigger, new Date()) : null,
  };
}
