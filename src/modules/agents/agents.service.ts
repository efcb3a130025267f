import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { validationFailed } from '../../common/errors/domain-error';
import { IfMatchCondition } from '../../common/http/if-match';
import { keysetPage, pageCursor } from '../../common/pagination/keyset-page';
import { accessPrincipalsFor, evaluateAccess } from '../access/domain/access.policy';
import { Principal } from '../auth/domain/principal';
import { isScheduleTrigger, nextRunAt } from '../variation-store/domain/schedule-trigger';
import { VariationsRepository } from '../variation-store/variations.repository';
import { accessOf, AgentRow } from './agent.row';
import { AgentGate } from './agent-gate';
import { AgentPresenter, AgentView } from './agent-presenter';
import { toAgentResponse } from './agent-response.mapper';
import { AgentWriter } from './agent-writer';
import { agentErrors } from './agents.errors';
import { AgentsRepository } from './agents.repository';
import { plainBody, UPDATABLE_FIELDS } from './domain/agent-patch';
import { AgentRef } from './domain/agent-ref';
import { statusAfterUndelete } from './domain/agent-status';
import { parseUpdateMask } from './domain/update-mask';
import { AgentFieldsDto } from './dto/agent-fields.dto';
import { ListAgentsQueryDto } from './dto/agent-query.dto';
import { AgentListResponseDto, AgentResponseDto } from './dto/agent-response.dto';

/** The agent itself: create, read, list, edit its fields, switch its schedule, delete and undelete. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly presenter: AgentPresenter,
    private readonly writer: AgentWriter,
  ) {}

  /** A new agent is a write of every sent field onto the defaults, with the caller as owner. */
  async create(principal: Principal, fields: AgentFieldsDto): Promise<AgentResponseDto> {
    const write = { body: plainBody(fields), mask: { kind: 'present' as const } };
    const plan = this.writer.planCreate(principal, write);
    await this.writer.verifyNotification(write);
    return this.db.transaction(async (db) => {
      const { agent, viewed } = await this.writer.create(db, principal, plan);
      return toAgentResponse(agent, { canUse: true, canManage: true }, viewed);
    });
  }

  async get(principal: Principal, ref: AgentRef, view: AgentView = 'draft'): Promise<AgentResponseDto> {
    const { agent, rights, variations } = await this.gate.readShowing(this.db.manager, principal, ref, 'use');
    return this.presenter.show(agent, rights, variations, view);
  }

  async list(principal: Principal, query: ListAgentsQueryDto): Promise<AgentListResponseDto> {
    const { rows, nextPageToken } = await this.listRows(principal, query);
    return {
      agents: rows.map((agent) => toAgentResponse(agent, evaluateAccess(principal, accessOf(agent)))),
      nextPageToken,
    };
  }

  /** A keyset page of the agents the caller can use, filtered in SQL; the compatibility routes show them in their own shapes. */
  async listRows(principal: Principal, query: ListAgentsQueryDto): Promise<{ rows: AgentRow[]; nextPageToken: string | null }> {
    const pageSize = query.pageSize ?? 50;
    const rows = await this.agents.list(this.db.manager, {
      orgId: principal.orgId,
      visibleTo: principal.isOrgAdmin ? null : { subject: principal.subject, principals: accessPrincipalsFor(principal) },
      status: query.status,
      type: query.type,
      q: query.q,
      showDeleted: query.showDeleted ?? false,
      afterId: pageCursor(query.pageToken, 'integer'),
      limit: pageSize + 1,
    });
    const { items, nextPageToken } = keysetPage(rows, pageSize, (agent) => agent.id);
    return { rows: items, nextPageToken };
  }

  /** PATCH (AIP-134): writes into the draft; accessConfig and notificationConfig apply at once. */
  async update(principal: Principal, ref: AgentRef, fields: AgentFieldsDto, updateMask: string | undefined, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    const parsed = parseUpdateMask(updateMask, UPDATABLE_FIELDS);
    if ('errors' in parsed) throw validationFailed(parsed.errors, 'The updateMask is invalid.');
    const write = { body: plainBody(fields), mask: parsed.mask };
    const notification = await this.writer.verifyNotification(write, async () => (await this.gate.read(this.db.manager, principal, ref, 'manage')).agent.notificationConfig);
    return this.db.transaction(async (db) => {
      const { agent, rights, variations } = await this.gate.lockShowing(db, principal, ref, { level: 'manage', ifMatch });
      const written = await this.writer.update(db, principal, agent, variations, write, notification);
      return toAgentResponse(written.agent, rights, written.viewed);
    });
  }

  async toggle(principal: Principal, ref: AgentRef, active: boolean | undefined, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'manage', ifMatch });
      const turnOn = active ?? !agent.isScheduleActive;
      let next: Date | null = null;
      if (turnOn) {
        const { active: deployed } = await this.variations.findPair(db, agent.activeVariationId, null);
        const trigger = deployed?.content.trigger;
        if (!isScheduleTrigger(trigger)) throw agentErrors.scheduleTriggerMissing();
        // A paused agent keeps the switch on but has no next tick until it resumes.
        next = agent.status === 'paused' ? null : nextRunAt(trigger, new Date());
      }
      const updated = await this.agents.update(db, agent.id, { isScheduleActive: turnOn, nextRunAt: next });
      return this.presenter.present(db, updated, rights);
    });
  }

  /** Switches a deployed agent off: no new runs, queued ones held, no schedule ticks; content untouched. */
  async pause(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'manage', ifMatch });
      if (!agent.activeVariationId) throw agentErrors.notDeployed('The agent has never been deployed; there is nothing to pause.');
      const updated = agent.status === 'paused' ? agent : await this.agents.update(db, agent.id, { status: 'paused', nextRunAt: null });
      return this.presenter.present(db, updated, rights);
    });
  }

  /** Switches a paused agent back on: held runs can be claimed again and the schedule (if on) resumes from now. */
  async resume(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'manage', ifMatch });
      if (!agent.activeVariationId) throw agentErrors.notDeployed('The agent has never been deployed; there is nothing to resume.');
      if (agent.status !== 'paused') return this.presenter.present(db, agent, rights);
      const { active } = await this.variations.findPair(db, agent.activeVariationId, null);
      const trigger = active?.content.trigger;
      const next = agent.isScheduleActive && isScheduleTrigger(trigger) ? nextRunAt(trigger, new Date()) : null;
      const updated = await this.agents.update(db, agent.id, { status: 'active', nextRunAt: next });
      return this.presenter.present(db, updated, rights);
    });
  }

  async remove(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'manage', ifMatch });
      const updated = await this.agents.update(db, agent.id, { status: 'deleted', deletedAt: new Date(), isScheduleActive: false, nextRunAt: null });
      return this.presenter.present(db, updated, rights);
    });
  }

  async undelete(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'manage', ifMatch, allowDeleted: true });
      if (agent.status !== 'deleted') throw agentErrors.notDeleted();
      const updated = await this.agents.update(db, agent.id, { status: statusAfterUndelete(agent.activeVariationId), deletedAt: null });
      return this.presenter.present(db, updated, rights);
    });
  }
}
