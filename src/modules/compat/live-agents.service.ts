import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { FieldError } from '../../common/errors/field-error';
import { IfMatchCondition } from '../../common/http/if-match';
import { Principal } from '../auth/domain/principal';
import { AgentChanges, AgentRow } from '../agents/agent.row';
import { AgentGate } from '../agents/agent-gate';
import { AgentWriter } from '../agents/agent-writer';
import { agentErrors } from '../agents/agents.errors';
import { AgentsRepository } from '../agents/agents.repository';
import { AgentsService } from '../agents/agents.service';
import { AgentWrite } from '../agents/domain/agent-write';
import { AgentRef } from '../agents/domain/agent-ref';
import { AgentFieldsDto } from '../agents/dto/agent-fields.dto';
import { ListAgentsQueryDto } from '../agents/dto/agent-query.dto';
import { contentHash } from '../variation-store/domain/content-hash';
import { runnabilityProblems } from '../variation-store/domain/runnability';
import { isScheduleTrigger, nextRunAt } from '../variation-store/domain/schedule-trigger';
import { PipelineMode, VariationContent } from '../variation-store/domain/variation-content';
import { variationErrors } from '../variations/variations.errors';
import { VariationsRepository } from '../variation-store/variations.repository';
import { activationChanges, VariationsService } from '../variations/variations.service';

/** What the seeds' clients send, in Agentry's terms; fields that depend on what the agent holds are resolved per target. */
export interface LiveWrite {
  /** Agent fields as `/api/v1` takes them (name, instructions, tools, subAgents by numeric id, notificationConfig…). */
  fields: Record<string, unknown>;
  /** Seed 001's separate voice flags; each one left out keeps what the agent has. */
  voice?: { enabled?: boolean; pipelineMode?: PipelineMode | null };
  /** Seed 001's isPublic: true opens the agent to the org (at least `use`); false closes it (`none`). */
  isPublic?: boolean;
  /** true/`active`: deployed and running; `paused`; `draft` (only before the first deploy). */
  activation?: 'active' | 'paused' | 'draft';
}

/** An agent as the compatibility shapes show it: the live content (active, or the draft before any deploy). */
export interface LiveAgent {
  agent: AgentRow;
  content: VariationContent;
  /** Sub-agents' UUIDs by numeric id: seed 001 names agents by UUID. */
  uidOf: Map<number, string>;
}

const PRESENT = { kind: 'present' } as const;

/**
 * The use cases behind the seeds' API shapes (SPEC §12). Their clients know no drafts, so a write goes
 * live: it is published as a new version on top of the active one, and written into a pending draft
 * too. Every rule is the `/api/v1` one: the same write pipeline, guard, Slack check and publishing.
 */
@Injectable()
export class LiveAgentsService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly agentsService: AgentsService,
    private readonly variations: VariationsRepository,
    private readonly versions: VariationsService,
    private readonly writer: AgentWriter,
  ) {}

  async list(principal: Principal, query: ListAgentsQueryDto): Promise<{ agents: LiveAgent[]; nextPageToken: string | null }> {
    const { rows, nextPageToken } = await this.agentsService.listRows(principal, query);
    return { agents: await this.withContent(this.db.manager, rows), nextPageToken };
  }

  async get(principal: Principal, ref: AgentRef): Promise<LiveAgent> {
    const { agent } = await this.gate.read(this.db.manager, principal, ref, 'use');
    const [shown] = await this.withContent(this.db.manager, [agent]);
    return shown;
  }

  async create(principal: Principal, request: LiveWrite): Promise<LiveAgent> {
    const write = this.toWrite(request, undefined, undefined);
    const created = await this.agentsService.create(principal, write.body as AgentFieldsDto);
    if (request.activation === 'active') return this.update(principal, { uid: created.uid }, { fields: {}, activation: 'active' });
    return this.get(principal, { uid: created.uid });
  }

  async remove(principal: Principal, ref: AgentRef, ifMatch?: IfMatchCondition): Promise<LiveAgent> {
    const removed = await this.agentsService.remove(principal, ref, ifMatch);
    return this.get(principal, { uid: removed.uid });
  }

  /** Sub-agents named by UUID, as numeric ids; an unknown one is reported like any unusable sub-agent (422). */
  async subAgentIds(principal: Principal, uids: string[]): Promise<{ agentId: number }[]> {
    const found = new Map((await this.agents.idsAndUids(this.db.manager, principal.orgId, { uids })).map((row) => [row.uid, row.id]));
    const errors: FieldError[] = uids.flatMap((uid, index) =>
      found.has(uid) ? [] : [{ field: `subAgents[${index}].agentId`, message: `no agent ${uid} that you can use exists in this organization` }],
    );
    if (errors.length > 0) throw agentErrors.invalidSubAgents(errors);
    return uids.map((uid) => ({ agentId: found.get(uid) as number }));
  }

  /**
   * The live write, in one transaction on the locked row. Before the first deploy it edits the draft
   * (activation publishes it). After: the fields are applied to the active content and published as
   * the next version; a pending draft gets the same fields and stays pending; a draft equal to the old
   * active content is dropped. Activation `active` with a pending draft publishes that draft instead.
   */
  async update(principal: Principal, ref: AgentRef, request: LiveWrite, ifMatch?: IfMatchCondition): Promise<LiveAgent> {
    const notification = { body: 'notificationConfig' in request.fields ? { notificationConfig: request.fields.notificationConfig } : {}, mask: PRESENT };
    const verified = await this.writer.verifyNotification(notification, async () => (await this.gate.read(this.db.manager, principal, ref, 'manage')).agent.notificationConfig);
    const uid = await this.db.transaction(async (db) => {
      const { agent, variations } = await this.gate.lockShowing(db, principal, ref, { level: 'manage', ifMatch });
      const { active, draft } = variations;
      if (!active) {
        if (request.activation === 'paused') throw agentErrors.notDeployed('The agent has never been deployed; there is nothing to pause.');
        if (!draft) throw new Error(`agent ${agent.id} has neither a draft nor an active variation`);
        const edited = await this.writer.update(db, principal, agent, variations, this.toWrite(request, agent, draft.content), verified);
        if (request.activation === 'active') await this.versions.publishDraft(db, edited.agent);
        return agent.uid;
      }
      if (request.activation === 'draft') throw new DomainError(ErrorCode.CONFLICT, 'The agent has been deployed; it cannot go back to draft (pause it instead).');
      if (request.activation === 'active' && draft && agent.hasUnpublishedChanges) {
        const edited = await this.writer.update(db, principal, agent, variations, this.toWrite(request, agent, draft.content), verified);
        const published = (await this.versions.publishDraft(db, edited.agent))?.agent ?? edited.agent;
        if (published.status === 'paused') await this.agents.update(db, agent.id, this.statusChanges(published, active.content, 'active'));
        return agent.uid;
      }
      await this.publishLive(db, principal, agent, request, verified, active, draft);
      return agent.uid;
    });
    return this.get(principal, { uid });
  }

  private async publishLive(
    db: EntityManager,
    principal: Principal,
    agent: AgentRow,
    request: LiveWrite,
    verified: Awaited<ReturnType<AgentWriter['verifyNotification']>>,
    active: { id: string; content: VariationContent; contentHash: string },
    draft: { id: string; content: VariationContent } | undefined,
  ): Promise<void> {
    const plan = this.writer.plan(agent, active.content, this.toWrite(request, agent, active.content));
    await this.writer.check(db, principal, agent, plan);
    const changes: AgentChanges = await this.writer.writeSettings(db, agent, plan, verified);
    const liveHash = contentHash(plan.content);
    let live = active.content;
    if (liveHash !== active.contentHash) {
      const problems = runnabilityProblems(plan.content);
      if (problems.length > 0) throw variationErrors.notRunnable(problems);
      const id = randomUUID();
      const version = agent.latestVersion + 1;
      await this.variations.insertPublished(db, { id, agentId: agent.id, content: plan.content, contentHash: liveHash, version, createdBy: principal.subject }, active.id);
      Object.assign(changes, activationChanges(agent, active.content.trigger, plan.content.trigger), { activeVariationId: id, latestVersion: version });
      live = plan.content;
    }
    let shown = live;
    changes.draftVariationId = null;
    changes.hasUnpublishedChanges = false;
    if (draft && agent.hasUnpublishedChanges) {
      const pending = this.writer.plan(agent, draft.content, this.toWrite(request, agent, draft.content)).content;
      const pendingHash = contentHash(pending);
      await this.variations.updateDraft(db, draft.id, pending, pendingHash);
      Object.assign(changes, { draftVariationId: draft.id, hasUnpublishedChanges: pendingHash !== liveHash });
      shown = pending;
    } else if (draft) {
      await this.variations.deleteDraft(db, draft.id);
    }
    Object.assign(changes, { name: shown.name, type: shown.type, description: shown.description });
    // `draft` was refused above; a deployed agent is switched on or off.
    if (request.activation === 'active' || request.activation === 'paused') Object.assign(changes, this.statusChanges({ ...agent, ...changes } as AgentRow, live, request.activation));
    await this.agents.update(db, agent.id, changes);
  }

  /** Pause, or resume (the schedule, if on, continues from now). */
  private statusChanges(agent: AgentRow, live: VariationContent, activation: 'active' | 'paused'): AgentChanges {
    if (activation === 'paused') return { status: 'paused', nextRunAt: null };
    const trigger = live.trigger;
    return { status: 'active', nextRunAt: agent.isScheduleActive && isScheduleTrigger(trigger) ? nextRunAt(trigger, new Date()) : null };
  }

  private toWrite(request: LiveWrite, agent: AgentRow | undefined, content: VariationContent | undefined): AgentWrite {
    const body: Record<string, unknown> = { ...request.fields };
    if (request.voice) {
      body.voice = {
        enabled: request.voice.enabled ?? content?.voice.enabled ?? false,
        pipelineMode: request.voice.pipelineMode !== undefined ? request.voice.pipelineMode : (content?.voice.pipelineMode ?? null),
      };
    }
    if (request.isPublic !== undefined) {
      const open = agent && agent.orgAccess !== 'none' ? agent.orgAccess : 'use';
      body.accessConfig = { orgAccess: request.isPublic ? open : 'none' };
    }
    return { body, mask: PRESENT };
  }

  /** Each agent with its live content (active, else the draft) and its sub-agents' UUIDs, in two queries. */
  private async withContent(db: EntityManager, rows: AgentRow[]): Promise<LiveAgent[]> {
    const shownId = (agent: AgentRow) => agent.activeVariationId ?? agent.draftVariationId;
    const variations = new Map((await this.variations.findByIds(db, rows.map(shownId).filter((id): id is string => id !== null))).map((v) => [v.id, v]));
    const subIds = [...new Set([...variations.values()].flatMap((v) => v.content.subAgents.map((s) => s.agentId)))];
    const uidOf = new Map(subIds.length === 0 ? [] : (await this.agents.idsAndUids(db, rows[0].orgId, { ids: subIds })).map((row) => [row.id, row.uid]));
    return rows.map((agent) => {
      const shown = variations.get(shownId(agent) ?? '');
      if (!shown) throw new Error(`agent ${agent.id} shows no variation`);
      return { agent, content: shown.content, uidOf };
    });
  }
}
