import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { validationFailed } from '../../common/errors/domain-error';
import { IfMatchCondition } from '../../common/http/if-match';
import { keysetPage, pageCursor } from '../../common/pagination/keyset-page';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { accessPrincipalsFor, evaluateAccess } from '../access/domain/access.policy';
import { actorOf, Principal } from '../auth/domain/principal';
import { accessOf, AgentRow } from './agent.row';
import { AgentGate } from './agent-gate';
import { AgentPresenter, AgentView } from './agent-presenter';
import { toAgentResponse } from './agent-response.mapper';
import { AgentWriter } from './agent-writer';
import { AgentsRepository } from './agents.repository';
import { agentChange } from './domain/agent-events';
import { AgentMove, moveAgent } from './domain/agent-lifecycle';
import { plainBody, UPDATABLE_FIELDS } from './domain/agent-patch';
import { AgentRef } from './domain/agent-ref';
import { parseUpdateMask } from './domain/update-mask';
import { AgentFieldsDto } from './dto/agent-fields.dto';
import { ListAgentsQueryDto } from './dto/agent-query.dto';
import { AgentListResponseDto, AgentResponseDto } from './dto/agent-response.dto';

/** The agent itself: create, read, list, edit its fields, switch its schedule, pause, delete and undelete. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly presenter: AgentPresenter,
    private readonly writer: AgentWriter,
  ) {}

  /** A new agent is a write of every sent field onto the defaults, with the caller as owner. */
  /** `validateOnly`: every check, the write itself included, then a rollback (AIP-163). */
  async create(principal: Principal, fields: AgentFieldsDto, validateOnly = false): Promise<AgentResponseDto> {
    const plan = await this.writer.prepareCreate(principal, { body: plainBody(fields), mask: { kind: 'present' } });
    return this.tx.run(
      actorOf(principal),
      async (work) => {
        const { agent, viewed } = await this.writer.create(work, principal, plan);
        return toAgentResponse(agent, { canUse: true, canManage: true }, viewed);
      },
      { validateOnly },
    );
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
  async update(principal: Principal, ref: AgentRef, fields: AgentFieldsDto, updateMask: string | undefined, ifMatch: IfMatchCondition | undefined, validateOnly = false): Promise<AgentResponseDto> {
    const parsed = parseUpdateMask(updateMask, UPDATABLE_FIELDS);
    if ('errors' in parsed) throw validationFailed(parsed.errors, 'The updateMask is invalid.');
    const write = { body: plainBody(fields), mask: parsed.mask };
    const notification = await this.writer.verifyNotification(write, async () => (await this.gate.read(this.db.manager, principal, ref, 'manage')).agent.notificationConfig);
    return this.tx.run(
      actorOf(principal),
      async (work) => {
        const { agent, rights, variations } = await this.gate.lockShowing(work.db, principal, ref, { level: 'manage', ifMatch });
        const written = await this.writer.update(work, principal, agent, variations, write, notification);
        return toAgentResponse(written.agent, rights, written.viewed);
      },
      { validateOnly },
    );
  }

  /** Turns the schedule on (`active`: true), off, or over (absent). */
  async toggle(principal: Principal, ref: AgentRef, active: boolean | undefined, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.move(principal, ref, ifMatch, (trigger) => ({ name: 'toggle', on: active, trigger }));
  }

  /** Switches a deployed agent off: no new runs, queued ones held, no schedule ticks; content untouched. */
  async pause(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.move(principal, ref, ifMatch, () => ({ name: 'pause' }));
  }

  /** Switches a paused agent back on: held runs can be claimed again and the schedule (if on) resumes from now. */
  async resume(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.move(principal, ref, ifMatch, (trigger) => ({ name: 'resume', trigger }));
  }

  async remove(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.move(principal, ref, ifMatch, () => ({ name: 'delete' }));
  }

  /** The one move the gate lets reach a deleted agent. */
  async undelete(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined): Promise<AgentResponseDto> {
    return this.move(principal, ref, ifMatch, () => ({ name: 'undelete' }), true);
  }

  /**
   * A lifecycle move (domain/agent-lifecycle.ts) on the locked agent; `moveOf` builds it from the
   * active variation's trigger. A move that changes nothing writes nothing and keeps the ETag.
   */
  private move(principal: Principal, ref: AgentRef, ifMatch: IfMatchCondition | undefined, moveOf: (trigger: unknown) => AgentMove, allowDeleted = false): Promise<AgentResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { agent, rights, variations } = await this.gate.lockShowing(work.db, principal, ref, { level: 'manage', ifMatch, allowDeleted });
      const moved = moveAgent(agent, moveOf(variations.active?.content.trigger), new Date());
      if (!moved) return this.presenter.show(agent, rights, variations);
      const updated = await this.agents.update(work.db, agent.id, moved.changes);
      work.record(agentChange(agent, moved.event, moved.data));
      return this.presenter.show(updated, rights, variations);
    });
  }
}
