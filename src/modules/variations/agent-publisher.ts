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
import { VariationPair, VariationsRepository } from '../variation-store/variations.repository';
import { variationErrors } from './variations.errors';

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

/**
 * Publishing: what makes content the version that runs. Deploy publishes the draft (`publishDraft`);
 * the seeds' live writes publish the fields they were sent on top of the active version
 * (`publishWrite`). Both end in `release`, the one place where the active version changes: the
 * lifecycle's deploy move, the pointer, and `agent.deployed`. Named environments (SPEC §14) make
 * `release` point a name at a version, and promote and rollback are releases of existing versions.
 */
@Injectable()
export class AgentPublisher {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly variations: VariationsRepository,
    private readonly writer: AgentWriter,
  ) {}

  /**
   * Publishes the locked agent's draft as its next version; undefined when there is nothing to
   * publish (no draft, or one equal to the active variation).
   */
  async publishDraft(work: Work, agent: AgentRow, now = new Date()): Promise<WrittenAgent | undefined> {
    const { active, draft } = await this.variations.findPair(work.db, agent.activeVariationId, agent.draftVariationId);
    if (!draft || (active && active.contentHash === draft.contentHash)) return undefined;
    const release = { id: draft.id, version: nextVersion(agent, draft.content), content: draft.content };
    await this.variations.publish(work.db, draft.id, release.version, active?.id ?? null);
    const updated = await this.agents.update(work.db, agent.id, {
      ...this.release(work, agent, release, active?.content ?? null, now),
      latestVersion: release.version,
      draftVariationId: null,
      hasUnpublishedChanges: false,
    });
    return { agent: updated, viewed: { id: draft.id, version: release.version, state: 'published', content: draft.content } };
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
      const release = { id: randomUUID(), version: nextVersion(agent, content), content };
      await this.variations.insertPublished(work.db, { ...release, agentId: agent.id, contentHash: liveHash, createdBy: principal.subject }, active.id);
      work.record(agentChange(agent, 'agent.updated', { changes: contentChanges(active.content, content) }));
      Object.assign(changes, this.release(work, agent, release, active.content, now), { latestVersion: release.version });
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
   * `release` becomes the active version, replacing `previous`: the lifecycle's deploy move (status,
   * schedule, digest) and the pointer. Numbering a new version (`latestVersion`) is the caller's.
   */
  private release(work: Work, agent: AgentRow, release: Release, previous: VariationContent | null, now: Date): AgentChanges {
    const moved = moveAgent(agent, { name: 'deploy', trigger: release.content.trigger, previousTrigger: previous?.trigger ?? null }, now);
    if (!moved) throw new Error('a deploy always changes the agent');
    work.record(agentChange(agent, moved.event, { version: release.version }));
    return { ...moved.changes, activeVariationId: release.id };
  }
}

/** The number the next version gets, once its content is runnable (422 otherwise). */
function nextVersion(agent: AgentRow, content: VariationContent): number {
  const problems = runnabilityProblems(content);
  if (problems.length > 0) throw variationErrors.notRunnable(problems);
  return agent.latestVersion + 1;
}
