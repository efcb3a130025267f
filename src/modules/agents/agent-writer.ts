import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { validationFailed } from '../../common/errors/domain-error';
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
import { AgentWrite, AgentWritePlan, newAgentBase, NotificationWrite, planAgentWrite, planNotificationWrite } from './domain/agent-write';
import { makeSlug } from './domain/slug';
import { SubAgentsChecker } from './sub-agents.checker';

const SLUG_ATTEMPTS = 8;

/** An agent as a write left it, with the variation its response shows. */
export interface WrittenAgent {
  agent: AgentRow;
  viewed: VariationView;
}

/**
 * The one write pipeline for an agent's fields (create, PATCH, restore, and later the compatibility
 * routes): the request is planned as a pure function (domain/agent-write.ts) against what the locked
 * row holds, the checks that need the database run, then everything is written in the caller's transaction.
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

  /** A create request planned onto a new agent's defaults; pure, so it runs before Slack is asked. */
  planCreate(principal: Principal, write: AgentWrite): AgentWritePlan {
    const base = newAgentBase(principal.subject, write.body);
    if ('errors' in base) throw validationFailed(base.errors);
    const plan = planAgentWrite(base, write);
    if ('errors' in plan) throw validationFailed(plan.errors);
    return plan;
  }

  /** Creates the planned agent (status draft, one draft variation) inside the caller's transaction. */
  async create(db: EntityManager, principal: Principal, { next, content }: AgentWritePlan): Promise<WrittenAgent> {
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
    if (id === null) throw agentErrors.slugsExhausted();
    await this.variations.insertDraft(db, { id: draftVariationId, agentId: id, content, contentHash: contentHash(content), createdBy: principal.subject });
    await this.access.replaceGrants(db, id, next.accessConfig.grants);
    const agent = await this.agents.find(db, principal.orgId, { id });
    if (!agent) throw new Error(`agent ${id} vanished inside its own transaction`);
    return { agent, viewed: { id: draftVariationId, version: null, state: 'draft', content } };
  }

  /**
   * Writes into the agent the caller has locked: content into the draft (made from the active
   * variation when none is pending), accessConfig through the access guard, and the notification
   * config that `verifyNotification` returned before the transaction. `variations` are the ones the
   * locked row points at, read with it (AgentGate.lockShowing).
   */
  async update(db: EntityManager, principal: Principal, agent: AgentRow, { active, draft }: VariationPair, write: AgentWrite, verified: NotificationWrite): Promise<WrittenAgent> {
    const shown = draft ?? active;
    if (!shown) throw new Error(`agent ${agent.id} has neither a draft nor an active variation`);
    const plan = this.plan(agent, shown.content, write);
    await this.check(db, principal, agent, plan);
    const settingsChange = settingsChanged(agent, plan, verified);
    const { changes, viewed, draft: draftWrite } = this.draftContent(principal, agent, plan.content, shown, active);
    // A write that changes nothing keeps the ETag, so clients holding it get no needless 412.
    if (!draftWrite && !settingsChange) return { agent, viewed };
    Object.assign(changes, await this.writeSettings(db, agent, plan, verified));
    return { agent: await this.agents.update(db, agent.id, changes, draftWrite), viewed };
  }

  /** A write planned against `content` (the draft, or the active variation) and the agent's own settings. */
  plan(agent: AgentRow, content: VariationContent, write: AgentWrite): AgentWritePlan {
    const plan = planAgentWrite({ ...content, accessConfig: accessOf(agent).accessConfig, notificationConfig: agent.notificationConfig }, write);
    if ('errors' in plan) throw validationFailed(plan.errors);
    return plan;
  }

  /** The checks that need the database: sub-agents (422) and, for an accessConfig edit, the access guard's lock-out rule (422). */
  async check(db: EntityManager, principal: Principal, agent: AgentRow, { next, written, content }: AgentWritePlan): Promise<void> {
    if (written.includes('subAgents')) await this.subAgents.check(db, principal, agent.id, content.subAgents);
    if (written.includes('accessConfig')) guardAccessConfigEdit(principal, accessOf(agent), next.accessConfig);
  }

  /**
   * Writes the agent's own settings (grants through Access) and returns the agent columns to change:
   * orgAccess, and the notification config that `verifyNotification` checked before the transaction.
   */
  async writeSettings(db: EntityManager, agent: AgentRow, { next, written }: AgentWritePlan, verified: NotificationWrite): Promise<AgentChanges> {
    const changes: AgentChanges = {};
    if (written.includes('accessConfig')) {
      changes.orgAccess = next.accessConfig.orgAccess;
      if (canonicalJson(next.accessConfig.grants) !== canonicalJson(agent.grants)) await this.access.replaceGrants(db, agent.id, next.accessConfig.grants);
    }
    if (verified.written) changes.notificationConfig = verified.config;
    return changes;
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
      if (hash !== contentHash(shown.content)) draft = { id: draftVariationId, content, contentHash: hash, createdBy: principal.subject };
    } else if (hash !== active?.contentHash) {
      draftVariationId = randomUUID();
      draft = { id: draftVariationId, content, contentHash: hash, createdBy: principal.subject };
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

/** Whether a planned write changes the agent's own settings: its org access, grants or notification config. */
function settingsChanged(agent: AgentRow, { next, written }: AgentWritePlan, verified: NotificationWrite): boolean {
  const access = accessOf(agent).accessConfig;
  const accessChanged =
    written.includes('accessConfig') &&
    (next.accessConfig.orgAccess !== access.orgAccess || canonicalJson(next.accessConfig.grants) !== canonicalJson(agent.grants));
  const notificationChanged = verified.written && canonicalJson(verified.config) !== canonicalJson(agent.notificationConfig);
  return accessChanged || notificationChanged;
}
