import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Work } from '../../infrastructure/database/unit-of-work';
import { AgentChanges, AgentRow } from '../agents/agent.row';
import { AgentWriter, WrittenAgent } from '../agents/agent-writer';
import { AgentsRepository } from '../agents/agents.repository';
import { agentChange, contentChanges } from '../agents/domain/agent-events';
import { assertMoveAllowed, LIVE_ACTIVATION, LiveActivation, moveAgent } from '../agents/domain/agent-lifecycle';
import { AgentWrite, NotificationWrite } from '../agents/domain/agent-write';
import { Principal } from '../auth/domain/principal';
import { contentHash } from '../variation-store/domain/content-hash';
import { runnabilityProblems } from '../variation-store/domain/runnability';
import { VariationContent } from '../variation-store/domain/variation-content';
import { CanarySplit, canaryAfterMove, EnvironmentCause, environmentSnapshot, MAX_ENVIRONMENTS, PRODUCTION } from '../variation-store/domain/environments';
import { EnvironmentRow, EnvironmentsRepository } from '../variation-store/environments.repository';
import { VariationPair, VariationsRepository, VersionNote } from '../variation-store/variations.repository';
import { VariationRow } from '../variation-store/variation.row';
import { environmentErrors, variationErrors } from './variations.errors';

/** A write from the seeds' shapes, which know no drafts: it goes live (SPEC §12). */
export interface LiveEdit {
  /** The request as a write onto `content` (the variation it lands on, of this agent): some fields depend on what it holds. */
  writeFor(agent: AgentRow, content: VariationContent): AgentWrite;
  /** Seed 001's `isActive`, seed 002's `status`. */
  activation?: LiveActivation;
}

/** A version about to become the one that runs. */
interface Release {
  id: string;
  version: number;
  content: VariationContent;
}

/** Where a deploy sends the draft, and what the new version is called. */
export interface DeployTarget extends VersionNote {
  environment: string;
}

/** A deploy that published: the agent, the new version, and whether production moved since the draft began. */
export interface Deployed extends WrittenAgent {
  baseMoved: boolean;
}

/** A pointer move: the environment, the version its primary runs after it, and its canary (undefined: kept). */
export interface PointerMove {
  environment: string;
  primary: Pick<VariationRow, 'id' | 'version' | 'content' | 'contentHash'> & { version: number };
  canary: CanarySplit | null | undefined;
  cause: EnvironmentCause;
  /** What the event adds (a promote's source environment). */
  data?: Record<string, unknown>;
}

/**
 * Publishing: what makes content the version that runs. Deploy publishes the draft (`publishDraft`)
 * to an environment; the seeds' live writes publish the fields they were sent on top of the active
 * version (`publishWrite`); moving an environment (`moveEnvironment`: PUT, promote, rollback) points
 * it at a version that exists. Every production move ends in `release`, the one place where the
 * active version changes (the lifecycle's deploy move, the pointer), and every pointer move in
 * `point`, which writes the environment and its `environment.updated` event.
 */
@Injectable()
export class AgentPublisher {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly writer: AgentWriter,
    private readonly environments: EnvironmentsRepository,
  ) {}

  /**
   * Publishes the locked agent's draft as its next version and points `target.environment` at it;
   * undefined when there is nothing to publish (no draft, or one equal to what that environment runs).
   * To production, the draft itself becomes the version, as before environments. To another
   * environment the version is a frozen copy and the draft stays pending: production does not run
   * it yet, so the agent still has unpublished changes, and editing goes on from there.
   */
  async publishDraft(work: Work, agent: AgentRow, now = new Date(), target: DeployTarget = { environment: PRODUCTION }): Promise<Deployed | undefined> {
    const { active, draft } = await this.variations.findPair(work.db, agent.activeVariationId, agent.draftVariationId);
    const baseMoved = !!draft && draft.baseVersion !== null && !!active && active.version !== draft.baseVersion;
    const note = { label: target.label, notes: target.notes };
    if (target.environment !== PRODUCTION) {
      if (!active) throw environmentErrors.notDeployed();
      const current = await this.environments.find(work.db, agent.id, target.environment);
      if (!draft || current?.contentHash === draft.contentHash) return undefined;
      if (!current) await this.assertRoom(work, agent);
      const release = { id: randomUUID(), version: nextVersion(agent, draft.content), content: draft.content, contentHash: draft.contentHash };
      await this.variations.insertPublished(work.db, { ...release, ...note, agentId: agent.id, createdBy: draft.createdBy, baseVersion: draft.baseVersion }, null);
      const updated = await this.agents.update(work.db, agent.id, { latestVersion: release.version });
      await this.point(work, agent, current, { environment: target.environment, primary: release, canary: undefined, cause: 'deploy' });
      return { agent: updated, viewed: { id: release.id, version: release.version, state: 'published', content: release.content }, baseMoved };
    }
    if (!draft || (active && active.contentHash === draft.contentHash)) return undefined;
    const release = { id: draft.id, version: nextVersion(agent, draft.content), content: draft.content };
    await this.variations.publish(work.db, draft.id, release.version, active?.id ?? null, note);
    const updated = await this.agents.update(work.db, agent.id, {
      ...(await this.release(work, agent, { ...release, contentHash: draft.contentHash }, active?.content ?? null, now)),
      latestVersion: release.version,
      draftVariationId: null,
      hasUnpublishedChanges: false,
    });
    return { agent: updated, viewed: { id: draft.id, version: release.version, state: 'published', content: draft.content }, baseMoved };
  }

  /**
   * Points an environment of the locked agent at a published version (PUT, promote; a rollback is
   * production moved to an older one), creating it when absent. A move that changes nothing writes
   * nothing and keeps the ETag. Returns the agent as it now stands and the environment.
   */
  async moveEnvironment(work: Work, agent: AgentRow, current: EnvironmentRow | undefined, move: PointerMove, now = new Date()): Promise<{ agent: AgentRow; environment: EnvironmentRow }> {
    if (!agent.activeVariationId) throw environmentErrors.notDeployed();
    const canary = move.canary === undefined ? canaryAfterMove(current?.canary ?? null, move.primary.version) : move.canary;
    if (current && current.variationId === move.primary.id && sameCanary(current.canary, canary)) return { agent, environment: current };
    if (!current) await this.assertRoom(work, agent);
    if (move.environment !== PRODUCTION || move.primary.id === agent.activeVariationId) {
      return { agent, environment: await this.point(work, agent, current, { ...move, canary }) };
    }
    const { active, draft } = await this.variations.findPair(work.db, agent.activeVariationId, agent.draftVariationId);
    const changes: AgentChanges = await this.release(work, agent, move.primary, active?.content ?? null, now, { ...move, canary });
    // The draft is compared with what production now runs; without one, the agent shows production's content.
    if (draft) changes.hasUnpublishedChanges = draft.contentHash !== move.primary.contentHash;
    else Object.assign(changes, { name: move.primary.content.name, type: move.primary.content.type, description: move.primary.content.description });
    const updated = await this.agents.update(work.db, agent.id, changes);
    const environment = await this.environments.find(work.db, agent.id, PRODUCTION);
    if (!environment) throw new Error(`agent ${agent.id} lost its production environment`);
    return { agent: updated, environment };
  }

  private async assertRoom(work: Work, agent: AgentRow): Promise<void> {
    if ((await this.environments.count(work.db, agent.id)) >= MAX_ENVIRONMENTS) throw environmentErrors.tooMany();
  }

  /** Writes the environment's pointer and records `environment.updated` with before and after. */
  private async point(work: Work, agent: AgentRow, current: EnvironmentRow | undefined, move: PointerMove): Promise<EnvironmentRow> {
    const canary = move.canary === undefined ? canaryAfterMove(current?.canary ?? null, move.primary.version) : move.canary;
    const saved = await this.environments.save(work.db, agent.id, move.environment, move.primary.id, canary);
    work.record({
      type: 'environment.updated',
      orgId: agent.orgId,
      agentId: agent.id,
      data: { environment: move.environment, cause: move.cause, ...move.data, before: environmentSnapshot(current ?? null), after: environmentSnapshot(saved) },
    });
    return saved;
  }

  /**
   * The live write, on the agent the caller locked (with the variations it points at). Before the
   * first deploy it edits the draft (activating publishes it). After: the fields are applied to the
   * active content and published as the next version; a pending draft gets the same fields and stays
   * pending; a draft equal to the old active content is dropped. Activating with a pending draft
   * publishes that draft instead. The activation is a lifecycle move, refused before anything is
   * written (pause before the first deploy, back to draft after it).
   */
  async publishWrite(work: Work, principal: Principal, { agent, variations }: { agent: AgentRow; variations: VariationPair }, edit: LiveEdit, verified: NotificationWrite): Promise<void> {
    const now = new Date();
    const move = edit.activation && LIVE_ACTIVATION[edit.activation];
    // `active` publishes what is pending before it resumes, so only the other two can be refused up front.
    if (move === 'pause' || move === 'keep_draft') assertMoveAllowed(agent, move);
    const { active, draft } = variations;
    if (active && !(move === 'resume' && draft && agent.hasUnpublishedChanges)) return this.publishOntoActive(work, principal, agent, variations, edit, verified, now);

    if (!draft) throw new Error(`agent ${agent.id} has neither a draft nor an active variation`);
    const edited = await this.writer.update(work, principal, agent, variations, edit.writeFor(agent, draft.content), verified);
    if (move !== 'resume') return;
    const published = await this.publishDraft(work, edited.agent, now);
    const live = published ? published.viewed.content : active?.content;
    const resumed = moveAgent(published?.agent ?? edited.agent, { name: 'resume', trigger: live?.trigger }, now);
    if (!resumed) return;
    await this.agents.update(work.db, agent.id, resumed.changes);
    work.record(agentChange(agent, resumed.event));
  }

  /** The live write on a deployed agent: one UPDATE of the agent for the new version, the pending draft and the activation. */
  private async publishOntoActive(
    work: Work,
    principal: Principal,
    agent: AgentRow,
    { active, draft }: VariationPair,
    edit: LiveEdit,
    verified: NotificationWrite,
    now: Date,
  ): Promise<void> {
    if (!active) throw new Error(`agent ${agent.id} has no active variation`);
    const applied = await this.writer.apply(work, principal, agent, active.content, edit.writeFor(agent, active.content), verified);
    const changes: AgentChanges = { ...applied.changes };
    const content = applied.plan.content;
    const liveHash = contentHash(content);
    let live = active.content;
    if (liveHash !== active.contentHash) {
      const release = { id: randomUUID(), version: nextVersion(agent, content), content, contentHash: liveHash };
      await this.variations.insertPublished(work.db, { ...release, agentId: agent.id, createdBy: principal.subject, baseVersion: active.version }, active.id);
      work.record(agentChange(agent, 'agent.updated', { changes: contentChanges(active.content, content) }));
      Object.assign(changes, await this.release(work, agent, release, active.content, now), { latestVersion: release.version });
      live = content;
    }
    let shown = live;
    changes.draftVariationId = null;
    changes.hasUnpublishedChanges = false;
    if (draft && agent.hasUnpublishedChanges) {
      const pending = this.writer.plan(agent, draft.content, edit.writeFor(agent, draft.content)).content;
      const pendingHash = contentHash(pending);
      await this.variations.updateDraft(work.db, draft.id, pending, pendingHash);
      Object.assign(changes, { draftVariationId: draft.id, hasUnpublishedChanges: pendingHash !== liveHash });
      shown = pending;
    } else if (draft) {
      await this.variations.deleteDraft(work.db, draft.id);
    }
    Object.assign(changes, { name: shown.name, type: shown.type, description: shown.description });
    const move = edit.activation && LIVE_ACTIVATION[edit.activation];
    // `keep_draft` was refused above: a deployed agent is switched on or off, after any new version.
    if (move === 'resume' || move === 'pause') {
      const moved = moveAgent({ ...agent, ...changes }, { name: move, trigger: live.trigger }, now);
      if (moved) {
        Object.assign(changes, moved.changes);
        work.record(agentChange(agent, moved.event));
      }
    }
    await this.agents.update(work.db, agent.id, changes);
  }

  /**
   * `release` becomes the active version (production's), replacing `previous`: the lifecycle's deploy
   * move (status, schedule, digest), the pointer and the production environment with its event. A new
   * version (no `move`: a deploy or a live write) records `agent.deployed`; moving production to a
   * version that exists is told by `environment.updated` alone. Numbering a new version
   * (`latestVersion`) is the caller's.
   */
  private async release(work: Work, agent: AgentRow, release: Release & { contentHash: string }, previous: VariationContent | null, now: Date, move?: PointerMove): Promise<AgentChanges> {
    const moved = moveAgent(agent, { name: 'deploy', trigger: release.content.trigger, previousTrigger: previous?.trigger ?? null }, now);
    if (!moved) throw new Error('a deploy always changes the agent');
    if (!move) work.record(agentChange(agent, moved.event, { version: release.version }));
    const current = await this.environments.find(work.db, agent.id, PRODUCTION);
    await this.point(work, agent, current, move ?? { environment: PRODUCTION, primary: release, canary: undefined, cause: 'deploy' });
    return { ...moved.changes, activeVariationId: release.id };
  }
}

function sameCanary(a: CanarySplit | null, b: CanarySplit | null): boolean {
  return a === null || b === null ? a === b : a.variationId === b.variationId && a.percent === b.percent;
}

/** The number the next version gets, once its content is runnable (422 otherwise). */
function nextVersion(agent: AgentRow, content: VariationContent): number {
  const problems = runnabilityProblems(content);
  if (problems.length > 0) throw variationErrors.notRunnable(problems);
  return agent.latestVersion + 1;
}
