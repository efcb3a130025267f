import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError, validationFailed } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { FieldError } from '../../common/errors/field-error';
import { accessPrincipalsFor, evaluateAccess } from '../access/domain/access.policy';
import { Principal } from '../auth/domain/principal';
import { NotificationsService } from '../notifications/notifications.service';
import { contentHash } from '../variations/domain/content-hash';
import { isScheduleTrigger, nextRunAt } from '../variations/domain/schedule-trigger';
import { VariationsRepository } from '../variations/variations.repository';
import { accessConfigOf, AgentGate } from './agent-gate';
import { AgentPresenter, AgentView } from './agent-presenter';
import { toAgentResponse } from './agent-response.mapper';
import { AgentsRepository } from './agents.repository';
import { applyAgentPatch, contentOf, nextNotificationConfig, Patchable, plainBody } from './domain/agent-patch';
import { statusAfterUndelete } from './domain/agent-status';
import { contentErrors } from './domain/content-rules';
import { makeSlug } from './domain/slug';
import { decodePageToken, encodePageToken } from './domain/page-token';
import { defaultContent } from '../variations/domain/variation-content';
import { CreateAgentDto } from './dto/agent-fields.dto';
import { ListAgentsQueryDto } from './dto/agent-query.dto';
import { AgentListResponseDto, AgentResponseDto } from './dto/agent-response.dto';
import { SubAgentsChecker } from './sub-agents.checker';

const SLUG_ATTEMPTS = 8;

/** The agent's own lifecycle: create, read, list, schedule toggle, delete and undelete. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly presenter: AgentPresenter,
    private readonly subAgents: SubAgentsChecker,
    private readonly notifications: NotificationsService,
  ) {}

  async create(principal: Principal, dto: CreateAgentDto): Promise<AgentResponseDto> {
    const body = plainBody(dto);
    const missing: FieldError[] = typeof body.name === 'string' ? [] : [{ field: 'name', message: 'name is required' }];
    if (missing.length > 0) throw validationFailed(missing);
    // A new agent is a PATCH of every sent field onto the defaults, with the caller as owner.
    const blank: Patchable = {
      ...defaultContent(String(body.name), (body.type as 'task' | 'workflow' | undefined) ?? 'task'),
      accessConfig: { owner: principal.subject, orgAccess: 'none', grants: [] },
      notificationConfig: null,
    };
    const patched = applyAgentPatch(blank, body, { kind: 'present' });
    if ('errors' in patched) throw validationFailed(patched.errors);
    const { next } = patched;
    const notification = nextNotificationConfig(body, { kind: 'present' });
    if ('errors' in notification) throw validationFailed(notification.errors);
    if (notification.written) next.notificationConfig = notification.config;
    const content = contentOf(next);
    const errors = contentErrors(content);
    if (errors.length > 0) throw validationFailed(errors);
    if (next.notificationConfig) await this.notifications.verifyChannel(next.notificationConfig.slackChannelId);

    return this.db.transaction(async (db) => {
      await this.subAgents.check(db, principal, null, content.subAgents);
      const draftVariationId = randomUUID();
      let id: number | null = null;
      for (let attempt = 0; attempt < SLUG_ATTEMPTS && id === null; attempt++) {
        id = await this.agents.insert(db, {
          uid: randomUUID(),
          orgId: principal.orgId,
          slug: makeSlug(content.name),
          name: content.name,
          type: content.type,
          description: content.description,
          owner: principal.subject,
          orgAccess: next.accessConfig.orgAccess,
          notificationConfig: next.notificationConfig,
          draftVariationId,
          createdBy: principal.subject,
        });
      }
      if (id === null) throw new DomainError(ErrorCode.CONFLICT, 'Could not find a free slug for this name; try a slightly different name.');
      await this.variations.insertDraft(db, { id: draftVariationId, agentId: id, content, contentHash: contentHash(content), createdBy: principal.subject });
      await this.agents.replaceGrants(db, id, next.accessConfig.grants);
      const agent = await this.agents.find(db, principal.orgId, { id });
      if (!agent) throw new Error(`agent ${id} vanished inside its own transaction`);
      return this.presenter.present(db, agent, { canUse: true, canManage: true });
    });
  }

  async get(principal: Principal, segment: string, view: AgentView = 'draft'): Promise<AgentResponseDto> {
    const { agent, rights } = await this.gate.read(this.db.manager, principal, segment, 'use');
    return this.presenter.present(this.db.manager, agent, rights, view);
  }

  async list(principal: Principal, query: ListAgentsQueryDto): Promise<AgentListResponseDto> {
    const pageSize = query.pageSize ?? 50;
    const after = query.pageToken === undefined ? undefined : decodePageToken(query.pageToken);
    if (after === null || typeof after === 'string') throw validationFailed([{ field: 'pageToken', message: 'pageToken is not one this service issued' }]);
    const rows = await this.agents.list(this.db.manager, {
      orgId: principal.orgId,
      visibleTo: principal.isOrgAdmin ? null : { subject: principal.subject, principals: accessPrincipalsFor(principal) },
      status: query.status,
      type: query.type,
      q: query.q,
      showDeleted: query.showDeleted ?? false,
      afterId: after,
      limit: pageSize + 1,
    });
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      agents: page.map((agent) => toAgentResponse(agent, evaluateAccess(principal, { orgId: agent.orgId, accessConfig: accessConfigOf(agent) }))),
      nextPageToken: rows.length > pageSize && last ? encodePageToken(last.id) : null,
    };
  }

  async toggle(principal: Principal, segment: string, active: boolean | undefined, ifMatch: string | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'manage', ifMatch });
      const turnOn = active ?? !agent.isScheduleActive;
      let next: Date | null = null;
      if (turnOn) {
        const { active: deployed } = await this.variations.findPair(db, agent.activeVariationId, null);
        const trigger = deployed?.content.trigger;
        if (!isScheduleTrigger(trigger)) {
          throw new DomainError(ErrorCode.SCHEDULE_TRIGGER_MISSING, 'The deployed variation has no schedule trigger; deploy one before turning the schedule on.');
        }
        next = nextRunAt(trigger, new Date());
      }
      await this.agents.update(db, agent.id, { isScheduleActive: turnOn, nextRunAt: next });
      return this.presenter.presentFresh(db, agent, rights);
    });
  }

  async remove(principal: Principal, segment: string, ifMatch: string | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'manage', ifMatch });
      await this.agents.update(db, agent.id, { status: 'deleted', deletedAt: new Date(), isScheduleActive: false, nextRunAt: null });
      return this.presenter.presentFresh(db, agent, rights);
    });
  }

  async undelete(principal: Principal, segment: string, ifMatch: string | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'manage', ifMatch, allowDeleted: true });
      if (agent.status !== 'deleted') throw new DomainError(ErrorCode.CONFLICT, 'The agent is not deleted.');
      await this.agents.update(db, agent.id, { status: statusAfterUndelete(agent.activeVariationId), deletedAt: null });
      return this.presenter.presentFresh(db, agent, rights);
    });
  }
}
