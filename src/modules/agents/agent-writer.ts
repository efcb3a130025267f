import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { validationFailed } from '../../common/errors/domain-error';
import { Work } from '../../infrastructure/database/unit-of-work';
import { guardAccessConfigEdit } from '../access/access.guard';
import { AccessRepository } from '../access/access.repository';
import { Principal } from '../auth/domain/principal';
import { channelNeedsVerification, NotificationConfig } from './domain/notification-config';
import { ChannelVerifier } from '../notification-transport/channel-verifier';
import { canonicalJson, contentHash } from '../variation-store/domain/content-hash';
import { VariationContent } from '../variation-store/domain/variation-content';
import { DraftWrite, VariationPair, VariationsRepository } from '../variation-store/variations.repository';
import { VariationView } from '../variation-store/variation.row';
import { accessOf, AgentChanges, AgentRow } from './agent.row';
import { agentErrors } from './agents.errors';
import { AgentsRepository } from './agents.repository';
import { agentChange, contentChanges } from './domain/agent-events';
import { moveAgent, NEW_AGENT } from './domain/agent-lifecycle';
import { AgentWrite, AgentWritePlan, newAgentBase, NotificationWrite, planAgentWrite, planNotificationWrite } from './domain/agent-write';
import { makeSlug } from './domain/slug';
import { SubAgentsChecker } from './sub-agents.checker';

const SLUG_ATTEMPTS = 8;

/** An agent as a write left it, with the variation its response shows. */
export interface WrittenAgent {
  agent: AgentRow;
  viewed: VariationView;
}

/** A write applied to the agent's own settings (`apply`): the planned content, and the agent columns to change. */
export interface AppliedWrite {
  plan: AgentWritePlan;
  changes: AgentChanges;
  /** Whether the org access, grants or notification config changed (a write that changes nothing writes nothing). */
  settingsChanged: boolean;
}

/**
 * The one write pipeline for an agent's fields (create, PATCH, restore, and the compatibility routes'
 * live writes through variations' AgentPublisher): the request is planned as a pure function (domain/agent-write.ts)
 * against what the locked row holds, the checks that need the database run, then everything is written
 * in the caller's unit of work, which records what changed.
 */
@Injectable()
export class AgentWriter {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly access: AccessRepository,
    private readonly subAgents: SubAgentsChecker,
    private readonly notifications: ChannelVerifier,
  ) {}

  /**
   * Validates the notification part and asks Slack about a new channel. Call it before the
   * transaction, so no row lock or pooled connection waits on Slack. `currentConfig` loads the
   * agent's config only when a channel is written: a channel it already has was verified when set.
   */
  async verifyNotification(write: AgentWrite, currentConfig: () => Promise<NotificationConfig | null> = async () => null): Promise<NotificationWrite> {
    const notification = planNotificationWrite(write);
    if ('errors' in notification) throw validationFailed(notification.errors);
    if (notification.written && notification.config && channelNeedsVerification(await currentConfig(), notification.config)) {
      await this.notifications.verifyChannel(notification.config.slackChannelId);
    }
    return notification;
  }

  /**
   * A create request planned onto a new agent's defaults, then its Slack channel checked: call it
   * before the transaction (the plan is pure, so a 400 comes before Slack is asked).
   */
  async prepareCreate(principal: Principal, write: AgentWrite): Promise<AgentWritePlan> {
    const base = newAgentBase(principal.subject, write.body);
    if ('errors' in base) throw validationFailed(base.errors);
    const plan = planAgentWrite(base, write);
    if ('errors' in plan) throw validationFailed(plan.errors);
    await this.verifyNotification(write);
    return plan;
  }

  /** Creates the planned agent (the lifecycle's new agent, one draft variation) in the caller's unit of work. */
  async create(work: Work, principal: Principal, { next, content }: AgentWritePlan): Promise<WrittenAgent> {
    const { db } = work;
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
        ...NEW_AGENT,
      });
    }
    if (id === null) throw agentErrors.slugsExhausted();
    await this.variations.insertDraft(db, { id: draftVariationId, agentId: id, content, contentHash: contentHash(content), createdBy: principal.subject });
    await this.access.replaceGrants(db, id, next.accessConfig.grants);
    const agent = await this.agents.find(db, principal.orgId, { id });
    if (!agent) throw new Error(`agent ${id} vanished inside its own transaction`);
    work.record(agentChange(agent, 'agent.created'));
    return { agent, viewed: { id: draftVariationId, version: null, state: 'draft', content } };
  }

  /**
   * Writes into the agent the caller has locked: content into the draft (made from the active
   * variation when none is pending), accessConfig through the access guard, and the notification
   * config that `verifyNotification` returned before the transaction. `variations` are the ones the
   * locked row points at, read with it (AgentGate.lockShowing).
   */
  async update(work: Work, principal: Principal, agent: AgentRow, { active, draft }: VariationPair, write: AgentWrite, verified: NotificationWrite): Promise<WrittenAgent> {
    const shown = draft ?? active;
    if (!shown) throw new Error(`agent ${agent.id} has neither a draft nor an active variation`);
    const { plan, changes: settings, settingsChanged } = await this.apply(work, principal, agent, shown.content, write, verified);
    const { changes, viewed, draft: draftWrite } = this.draftContent(principal, agent, plan.content, shown, active);
    // A write that changes nothing keeps the ETag, so clients holding it get no needless 412.
    if (!draftWrite && !settingsChanged) return { agent, viewed };
    if (draftWrite) work.record(agentChange(agent, 'agent.updated', { changes: contentChanges(shown.content, plan.content) }));
    return { agent: await this.agents.update(work.db, agent.id, { ...changes, ...settings }, draftWrite), viewed };
  }

  /** A write planned against `content` (the draft, or the active variation) and the agent's own settings. */
  plan(agent: AgentRow, content: VariationContent, write: AgentWrite): AgentWritePlan {
    const plan = planAgentWrite({ ...content, accessConfig: accessOf(agent).accessConfig, notificationConfig: agent.notificationConfig }, write);
    if ('errors' in plan) throw validationFailed(plan.errors);
    return plan;
  }

  /**
   * A write planned against `content`, checked (sub-agents and the access guard's lock-out rule: 422),
   * with the agent's own settings written: grants through Access, and the agent columns to change
   * (org access, the notification config `verifyNotification` checked before the transaction, and
   * what the lifecycle says a new config means for the digest). Records the settings that changed.
   * Where the content goes (the draft, or a version published at once) is the caller's.
   */
  async apply(work: Work, principal: Principal, agent: AgentRow, content: VariationContent, write: AgentWrite, verified: NotificationWrite): Promise<AppliedWrite> {
    const plan = this.plan(agent, content, write);
    const { next, written } = plan;
    const access = accessOf(agent);
    if (written.includes('subAgents')) await this.subAgents.check(work.db, principal, agent.id, plan.content.subAgents);
    if (written.includes('accessConfig')) guardAccessConfigEdit(principal, access, next.accessConfig);

    const changes: AgentChanges = {};
    const grantsChanged = written.includes('accessConfig') && canonicalJson(next.accessConfig.grants) !== canonicalJson(agent.grants);
    const accessChanged = written.includes('accessConfig') && (next.accessConfig.orgAccess !== agent.orgAccess || grantsChanged);
    const notificationsChanged = verified.written && canonicalJson(verified.config) !== canonicalJson(agent.notificationConfig);
    if (written.includes('accessConfig')) changes.orgAccess = next.accessConfig.orgAccess;
    if (grantsChanged) await this.access.replaceGrants(work.db, agent.id, next.accessConfig.grants);
    if (verified.written) Object.assign(changes, { notificationConfig: verified.config }, moveAgent(agent, { name: 'notifications_changed' }, new Date())?.changes);
    if (accessChanged) work.record(agentChange(agent, 'agent.access_changed', { before: access.accessConfig, after: next.accessConfig }));
    if (notificationsChanged) work.record(agentChange(agent, 'agent.notifications_changed', { before: agent.notificationConfig, after: verified.config }));
    return { plan, changes, settingsChanged: accessChanged || notificationsChanged };
  }

  /**
   * The draft write for content (into the pending draft, or a new one made from the active variation)
   * and the agent columns that mirror it; the agent's UPDATE writes both. Content equal to what is
   * shown writes no draft.
   */
  private draftContent(
    principal: Principal,
    agent: AgentRow,
    content: VariationContent,
    shown: VariationView,
    active: (VariationView & { contentHash: string }) | undefined,
  ): { changes: AgentChanges; viewed: VariationView; draft?: DraftWrite } {
    const hash = contentHash(content);
    let draftVariationId = agent.draftVariationId;
    let draft: DraftWrite | undefined;
    if (draftVariationId) {
      if (hash !== contentHash(shown.content)) draft = { id: draftVariationId, content, contentHash: hash, createdBy: principal.subject, baseVersion: null };
    } else if (hash !== active?.contentHash) {
      draftVariationId = randomUUID();
      // A new draft begins from what production runs: deploy tells whether production moved since.
      draft = { id: draftVariationId, content, contentHash: hash, createdBy: principal.subject, baseVersion: active?.version ?? null };
    }
    const viewed: VariationView = draftVariationId ? { id: draftVariationId, version: null, state: 'draft', content } : shown;
    return {
      draft,
      changes: {
        name: content.name,
        type: content.type,
        description: content.description,
        draftVariationId,
        hasUnpublishedChanges: draftVariationId !== null && hash !== active?.contentHash,
      },
      viewed,
    };
  }
}
