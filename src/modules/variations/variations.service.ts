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
import { EnvironmentsRepository } from '../variation-store/environments.repository';
import { parseDiffRef, PRODUCTION } from '../variation-store/domain/environments';
import { VariationContent } from '../variation-store/domain/variation-content';
import { DeployAgentDto, DeployResponseDto, VersionNoteDto } from './dto/environment.dto';
import { DiffQueryDto } from '../variation-store/dto/variation-response.dto';

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
    private readonly environments: EnvironmentsRepository,
  ) {}

  /**
   * Publishes the draft as the next version to an environment (production by default); with nothing
   * new for it, answers the agent unchanged. `baseMoved` is there (true) when production moved since
   * the draft began from it.
   */
  async deploy(principal: Principal, ref: AgentRef, body: DeployAgentDto, ifMatch: IfMatchCondition | undefined, validateOnly = false): Promise<DeployResponseDto> {
    const target = { environment: body.environment ?? PRODUCTION, label: body.label, notes: body.notes };
    return this.tx.run(
      actorOf(principal),
      async (work) => {
        const { agent, rights } = await this.gate.lock(work.db, principal, ref, { level: 'manage', ifMatch });
        const published = await this.publisher.publishDraft(work, agent, new Date(), target);
        if (!published) return this.presenter.present(work.db, agent, rights);
        return { ...toAgentResponse(published.agent, rights, published.viewed), ...(published.baseMoved ? { baseMoved: true as const } : {}) };
      },
      { validateOnly },
    );
  }

  /** Sets a published version's label and notes; its content stays as it was published. */
  async annotate(principal: Principal, ref: AgentRef, variationId: string, note: VersionNoteDto): Promise<VariationDetailDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { agent } = await this.gate.lock(work.db, principal, ref, { level: 'manage' });
      const variation = await this.variations.find(work.db, agent.id, variationId);
      if (!variation) throw variationErrors.notFound();
      if (variation.version === null) throw variationErrors.notPublished();
      const changes = (['label', 'notes'] as const)
        .filter((field) => note[field] !== undefined && note[field] !== variation[field])
        .map((field) => ({ field, before: variation[field], after: note[field] }));
      if (changes.length === 0) return toVariationDetail(variation);
      const updated = await this.variations.annotate(work.db, variation.id, note);
      work.record(agentChange(agent, 'agent.updated', { version: variation.version, changes }));
      return toVariationDetail(updated);
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

  /**
   * Field by field from one side to the other, each a version number, `draft` or an environment name
   * (default production → draft: what deploy would publish). `draft` without a pending draft is
   * what the agent shows then, production's content.
   */
  async diff(principal: Principal, ref: AgentRef, query: DiffQueryDto = {}): Promise<AgentDiffResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'manage');
    const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, agent.draftVariationId);
    const fromRef = query.from ?? PRODUCTION;
    const toRef = query.to ?? 'draft';
    const side = async (name: string): Promise<{ version: number | null; content: VariationContent | null }> => {
      const named = parseDiffRef(name);
      if (named.kind === 'draft') return draft ? { version: null, content: draft.content } : { version: active?.version ?? null, content: active?.content ?? null };
      if (named.kind === 'version') {
        const found = await this.variations.findPublished(db, agent.id, named.version);
        if (!found) throw variationErrors.noSuchRef(name);
        return { version: found.version, content: found.content };
      }
      // Production before the first deploy is "nothing deployed", as the diff always showed it.
      if (named.name === PRODUCTION && !active) return { version: null, content: null };
      const environment = await this.environments.find(db, agent.id, named.name);
      if (!environment) throw variationErrors.noSuchRef(name);
      const found = await this.variations.find(db, agent.id, environment.variationId);
      return { version: environment.version, content: found?.content ?? null };
    };
    const [from, to] = [await side(fromRef), await side(toRef)];
    return {
      hasUnpublishedChanges: agent.hasUnpublishedChanges,
      activeVersion: active?.version ?? null,
      // The sides are named back only when asked for, so the default diff keeps the shape it always had.
      ...(query.from !== undefined || query.to !== undefined ? { from: { ref: fromRef, version: from.version }, to: { ref: toRef, version: to.version } } : {}),
      changes: to.content ? diffContent(from.content, to.content) : [],
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
