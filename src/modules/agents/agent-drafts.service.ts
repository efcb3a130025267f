import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, validationFailed } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { checkLockout } from '../access/domain/access.policy';
import { Principal } from '../auth/domain/principal';
import { NotificationsService } from '../notifications/notifications.service';
import { channelNeedsVerification } from '../notifications/domain/notification-config';
import { canonicalJson, contentHash } from '../variations/domain/content-hash';
import { runnabilityProblems } from '../variations/domain/runnability';
import { isScheduleTrigger, nextRunAt } from '../variations/domain/schedule-trigger';
import { VariationContent } from '../variations/domain/variation-content';
import { diffContent } from '../variations/domain/variation-diff';
import { VariationsRepository } from '../variations/variations.repository';
import { AgentChanges, AgentRow } from './agent.row';
import { accessConfigOf, AgentGate } from './agent-gate';
import { AgentPresenter } from './agent-presenter';
import { toVariationDetail, toVariationSummary } from './agent-response.mapper';
import { AgentsRepository } from './agents.repository';
import { applyAgentPatch, contentOf, nextNotificationConfig, Patchable, plainBody, UPDATABLE_FIELDS } from './domain/agent-patch';
import { contentErrors } from './domain/content-rules';
import { decodePageToken, encodePageToken } from './domain/page-token';
import { parseUpdateMask } from './domain/update-mask';
import { AgentDiffResponseDto, AgentResponseDto, VariationDetailDto, VariationListResponseDto } from './dto/agent-response.dto';
import { UpdateAgentDto } from './dto/agent-fields.dto';
import { SubAgentsChecker } from './sub-agents.checker';

/** The draft lifecycle: edit (PATCH), compare, publish, browse and restore history. */
@Injectable()
export class AgentDraftsService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly presenter: AgentPresenter,
    private readonly subAgents: SubAgentsChecker,
    private readonly notifications: NotificationsService,
  ) {}

  async update(principal: Principal, segment: string, dto: UpdateAgentDto, updateMask: string | undefined, ifMatch: string | undefined): Promise<AgentResponseDto> {
    const parsed = parseUpdateMask(updateMask, UPDATABLE_FIELDS);
    if ('errors' in parsed) throw validationFailed(parsed.errors, 'The updateMask is invalid.');
    const body = plainBody(dto);
    const notification = nextNotificationConfig(body, parsed.mask);
    if ('errors' in notification) throw validationFailed(notification.errors);

    // Slack is asked before the transaction so no row lock or connection waits on it. The channel
    // written is then either verified here or the one the agent already had (verified when it was set).
    if (notification.written && notification.config) {
      const { agent } = await this.gate.read(this.db.manager, principal, segment, 'manage');
      if (channelNeedsVerification(agent.notificationConfig, notification.config)) {
        await this.notifications.verifyChannel(notification.config.slackChannelId);
      }
    }

    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'manage', ifMatch });
      const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, agent.draftVariationId);
      const currentContent = (draft ?? active)?.content;
      if (!currentContent) throw new Error(`agent ${agent.id} has neither a draft nor an active variation`);
      const current: Patchable = { ...currentContent, accessConfig: accessConfigOf(agent), notificationConfig: agent.notificationConfig };

      const patched = applyAgentPatch(current, body, parsed.mask);
      if ('errors' in patched) throw validationFailed(patched.errors);
      const { next, written } = patched;
      if (notification.written) next.notificationConfig = notification.config;
      const content = contentOf(next);
      const errors = contentErrors(content);
      if (errors.length > 0) throw validationFailed(errors);
      if (written.includes('subAgents')) await this.subAgents.check(db, principal, agent.id, content.subAgents);
      if (written.includes('accessConfig')) {
        const lockout = checkLockout(principal, { orgId: agent.orgId, accessConfig: current.accessConfig }, next.accessConfig);
        if (lockout) {
          throw new DomainError(
            ErrorCode.ACCESS_LOCKOUT,
            `This accessConfig would take away your ${lockout.lost.join(' and ')} permission on the agent; keep a grant for yourself (or a group you are in) and retry.`,
          );
        }
      }

      const changes: AgentChanges = { ...(await this.saveDraftContent(db, principal, agent, content, currentContent, active?.contentHash)) };
      if (written.includes('accessConfig')) {
        changes.orgAccess = next.accessConfig.orgAccess;
        if (canonicalJson(next.accessConfig.grants) !== canonicalJson(agent.grants)) await this.agents.replaceGrants(db, agent.id, next.accessConfig.grants);
      }
      if (notification.written) changes.notificationConfig = next.notificationConfig;
      await this.agents.update(db, agent.id, changes);
      return this.presenter.presentFresh(db, agent, rights);
    });
  }

  async deploy(principal: Principal, segment: string, ifMatch: string | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'manage', ifMatch });
      const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, agent.draftVariationId);
      if (!draft || (active && active.contentHash === draft.contentHash)) return this.presenter.present(db, agent, rights);

      const problems = runnabilityProblems(draft.content);
      if (problems.length > 0) throw new DomainError(ErrorCode.NOT_RUNNABLE, 'The draft cannot run yet; fix each listed problem and deploy again.', problems);

      const version = agent.latestVersion + 1;
      await this.variations.publish(db, draft.id, version, active?.id ?? null);
      const trigger = draft.content.trigger;
      const scheduled = isScheduleTrigger(trigger);
      // The first deploy of a schedule turns it on; later deploys keep the user's choice.
      const wasScheduled = active !== undefined && isScheduleTrigger(active.content.trigger);
      const scheduleOn = scheduled && (agent.isScheduleActive || !wasScheduled);
      await this.agents.update(db, agent.id, {
        status: 'active',
        activeVariationId: draft.id,
        draftVariationId: null,
        latestVersion: version,
        hasUnpublishedChanges: false,
        isScheduleActive: scheduleOn,
        nextRunAt: scheduleOn && scheduled ? nextRunAt(trigger, new Date()) : null,
      });
      return this.presenter.presentFresh(db, agent, rights);
    });
  }

  async diff(principal: Principal, segment: string): Promise<AgentDiffResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, segment, 'manage');
    const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, agent.draftVariationId);
    return {
      hasUnpublishedChanges: agent.hasUnpublishedChanges,
      activeVersion: active?.version ?? null,
      changes: draft ? diffContent(active?.content ?? null, draft.content) : [],
    };
  }

  async history(principal: Principal, segment: string, pageSize = 50, pageToken?: string): Promise<VariationListResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, segment, 'manage');
    const before = pageToken === undefined ? undefined : decodePageToken(pageToken);
    if (before === null) throw validationFailed([{ field: 'pageToken', message: 'pageToken is not one this service issued' }]);
    const rows = await this.variations.listHistory(db, agent.id, pageSize + 1, before === undefined ? undefined : String(before));
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return { variations: page.map(toVariationSummary), nextPageToken: rows.length > pageSize && last ? encodePageToken(last.seq) : null };
  }

  async variation(principal: Principal, segment: string, variationId: string): Promise<VariationDetailDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, segment, 'manage');
    const variation = await this.variations.find(db, agent.id, variationId);
    if (!variation) throw new DomainError(ErrorCode.NOT_FOUND, 'This agent has no such variation.');
    return toVariationDetail(variation);
  }

  async restore(principal: Principal, segment: string, variationId: string, ifMatch: string | undefined): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'manage', ifMatch });
      const source = await this.variations.find(db, agent.id, variationId);
      if (!source) throw new DomainError(ErrorCode.NOT_FOUND, 'This agent has no such variation.');
      const { active, draft } = await this.variations.findPair(db, agent.activeVariationId, agent.draftVariationId);
      const current = (draft ?? active)?.content ?? source.content;
      await this.subAgents.check(db, principal, agent.id, source.content.subAgents);
      const changes = await this.saveDraftContent(db, principal, agent, source.content, current, active?.contentHash);
      await this.agents.update(db, agent.id, changes);
      return this.presenter.presentFresh(db, agent, rights);
    });
  }

  /**
   * Writes content into the draft (creating it from the active variation when none is pending) and
   * returns the agent columns that mirror it. Content equal to what is shown creates no draft.
   */
  private async saveDraftContent(
    db: EntityManager,
    principal: Principal,
    agent: AgentRow,
    content: VariationContent,
    shown: VariationContent,
    activeHash: string | undefined,
  ): Promise<AgentChanges> {
    const hash = contentHash(content);
    let draftVariationId = agent.draftVariationId;
    if (draftVariationId) {
      if (hash !== contentHash(shown)) await this.variations.updateDraft(db, draftVariationId, content, hash);
    } else if (hash !== activeHash) {
      draftVariationId = randomUUID();
      await this.variations.insertDraft(db, { id: draftVariationId, agentId: agent.id, content, contentHash: hash, createdBy: principal.subject });
    }
    return {
      name: content.name,
      type: content.type,
      description: content.description,
      draftVariationId,
      hasUnpublishedChanges: draftVariationId !== null && hash !== activeHash,
    };
  }
}
