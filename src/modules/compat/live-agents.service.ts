import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FieldError } from '../../common/errors/field-error';
import { IfMatchCondition } from '../../common/http/if-match';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { actorOf, Principal } from '../auth/domain/principal';
import { AgentRow } from '../agents/agent.row';
import { AgentGate } from '../agents/agent-gate';
import { AgentWriter } from '../agents/agent-writer';
import { agentErrors } from '../agents/agents.errors';
import { AgentsRepository } from '../agents/agents.repository';
import { AgentsService } from '../agents/agents.service';
import { LiveActivation } from '../agents/domain/agent-lifecycle';
import { plainBody } from '../agents/domain/agent-patch';
import { AgentWrite } from '../agents/domain/agent-write';
import { AgentRef } from '../agents/domain/agent-ref';
import { ListAgentsQueryDto } from '../agents/dto/agent-query.dto';
import { PipelineMode, VariationContent } from '../variation-store/domain/variation-content';
import { VariationsRepository } from '../variation-store/variations.repository';
import { AgentPublisher } from '../variations/agent-publisher';

/** What the seeds' clients send, in Agentry's terms; fields that depend on what the agent holds are resolved per target. */
export interface LiveWrite {
  /** Agent fields as `/api/v1` takes them (name, instructions, tools, subAgents by numeric id, notificationConfig…). */
  fields: Record<string, unknown>;
  /** Seed 001's separate voice flags; each one left out keeps what the agent has. */
  voice?: { enabled?: boolean; pipelineMode?: PipelineMode | null };
  /** Seed 001's isPublic: true opens the agent to the org (at least `use`); false closes it (`none`). */
  isPublic?: boolean;
  /** true/`active`: deployed and running; `paused`; `draft` (only before the first deploy). */
  activation?: LiveActivation;
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
 * The use cases behind the seeds' API shapes (SPEC §12), each one unit of work translated onto the
 * `/api/v1` rules: the same write pipeline, guard, Slack check, lifecycle and publishing. Their clients
 * know no drafts, so a write goes live (AgentPublisher.publishWrite).
 */
@Injectable()
export class LiveAgentsService {
  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly agentsService: AgentsService,
    private readonly variations: VariationsRepository,
    private readonly writer: AgentWriter,
    private readonly publisher: AgentPublisher,
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

  /** A new agent; seed 001's `isActive: true` publishes it in the same transaction. */
  async create(principal: Principal, request: LiveWrite): Promise<LiveAgent> {
    const plan = await this.writer.prepareCreate(principal, { body: plainBody(toWrite(request, undefined, undefined).body), mask: PRESENT });
    const uid = await this.tx.run(actorOf(principal), async (work) => {
      const { agent } = await this.writer.create(work, principal, plan);
      if (request.activation === 'active') await this.publisher.publishDraft(work, agent);
      return agent.uid;
    });
    return this.get(principal, { uid });
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

  /** The live write on the locked row, in one transaction; a new Slack channel is checked before it. */
  async update(principal: Principal, ref: AgentRef, request: LiveWrite, ifMatch?: IfMatchCondition): Promise<LiveAgent> {
    const notification = { body: 'notificationConfig' in request.fields ? { notificationConfig: request.fields.notificationConfig } : {}, mask: PRESENT };
    const verified = await this.writer.verifyNotification(notification, async () => (await this.gate.read(this.db.manager, principal, ref, 'manage')).agent.notificationConfig);
    const uid = await this.tx.run(actorOf(principal), async (work) => {
      const locked = await this.gate.lockShowing(work.db, principal, ref, { level: 'manage', ifMatch });
      const edit = { writeFor: (agent: AgentRow, content: VariationContent) => toWrite(request, agent, content), activation: request.activation };
      await this.publisher.publishWrite(work, principal, locked, edit, verified);
      return locked.agent.uid;
    });
    return this.get(principal, { uid });
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

/** The request as a write onto what the agent holds: seed 001's voice flags and isPublic keep what they leave out. */
function toWrite(request: LiveWrite, agent: AgentRow | undefined, content: VariationContent | undefined): AgentWrite {
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
