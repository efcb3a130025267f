import { isScheduleTrigger, nextRunAt } from '../../variation-store/domain/schedule-trigger';
import type { AgentChanges, AgentRow } from '../agent.row';
import { agentErrors } from '../agents.errors';
import { AgentEventType } from './agent-events';
import { AgentStatus, statusAfterUndelete } from './agent-status';

/**
 * The agent's lifecycle: every call that changes its status, its schedule's switch and next tick, the
 * digest's due time or its deletion, as one table of moves (as `runs/domain/run-status.ts` is for
 * runs). Use cases apply what a move returns; none computes these columns itself. The clock is passed
 * in. Seed 001's `isActive` and seed 002's `status` are the same moves (`LIVE_ACTIVATION`).
 */

/** What the lifecycle reads of an agent. */
export type LifecycleState = Pick<AgentRow, 'status' | 'activeVariationId' | 'draftVariationId' | 'isScheduleActive'>;

/** The columns a move writes; the rest of the agent (content, pointers to new versions) is the use case's. */
export type LifecycleChanges = Pick<AgentChanges, 'status' | 'draftVariationId' | 'hasUnpublishedChanges' | 'isScheduleActive' | 'nextRunAt' | 'digestDueAt' | 'deletedAt'>;

/** Each move, with what its rule needs. `trigger` is the active variation's after the move (a deploy's: the new version's). */
export type AgentMove =
  | { name: 'deploy'; trigger: unknown; previousTrigger: unknown }
  | { name: 'discard_draft' }
  | { name: 'pause' }
  | { name: 'resume'; trigger: unknown }
  | { name: 'toggle'; on: boolean | undefined; trigger: unknown }
  | { name: 'keep_draft' }
  | { name: 'delete' }
  | { name: 'undelete' }
  | { name: 'notifications_changed' };
export type AgentMoveName = AgentMove['name'];

/** A move that changes something: the columns to write and what to record. */
export interface AppliedMove {
  changes: LifecycleChanges;
  event: AgentEventType;
  data?: Record<string, unknown>;
}

/** A new agent: a draft, its schedule off, no digest planned. */
export const NEW_AGENT = { status: 'draft', isScheduleActive: false, nextRunAt: null, digestDueAt: null } as const satisfies LifecycleChanges;

/**
 * The status each move leads to from each status. A status missing from a move's row refuses the
 * move, with the error REFUSED gives. `restored` is what the agent was before deletion.
 */
const STATUS_AFTER: Record<AgentMoveName, Partial<Record<AgentStatus, AgentStatus | 'restored'>>> = {
  deploy: { draft: 'active', active: 'active', paused: 'paused' },
  discard_draft: { active: 'active', paused: 'paused' },
  pause: { active: 'paused', paused: 'paused' },
  resume: { active: 'active', paused: 'active' },
  toggle: { draft: 'draft', active: 'active', paused: 'paused' },
  keep_draft: { draft: 'draft' },
  delete: { draft: 'deleted', active: 'deleted', paused: 'deleted' },
  undelete: { deleted: 'restored' },
  notifications_changed: { draft: 'draft', active: 'active', paused: 'paused' },
};

/** Why a move is refused from a status its row lacks: a deleted agent takes nothing but undelete. */
const REFUSED: Record<AgentMoveName, (from: AgentStatus) => Error> = {
  deploy: () => agentErrors.deleted(),
  discard_draft: (from) => (from === 'deleted' ? agentErrors.deleted() : agentErrors.notDeployed('The agent was never deployed: its draft is all it has.')),
  pause: (from) => (from === 'deleted' ? agentErrors.deleted() : agentErrors.notDeployed('The agent has never been deployed; there is nothing to pause.')),
  resume: (from) => (from === 'deleted' ? agentErrors.deleted() : agentErrors.notDeployed('The agent has never been deployed; there is nothing to resume.')),
  toggle: () => agentErrors.deleted(),
  keep_draft: (from) => (from === 'deleted' ? agentErrors.deleted() : agentErrors.deployedNotDraft()),
  delete: () => agentErrors.deleted(),
  undelete: () => agentErrors.notDeleted(),
  notifications_changed: () => agentErrors.deleted(),
};

const EVENT_OF: Record<AgentMoveName, AgentEventType | null> = {
  deploy: 'agent.deployed',
  discard_draft: 'agent.draft_discarded',
  pause: 'agent.paused',
  resume: 'agent.resumed',
  toggle: 'agent.schedule_toggled',
  keep_draft: null,
  delete: 'agent.deleted',
  undelete: 'agent.undeleted',
  notifications_changed: 'agent.notifications_changed',
};

/** Seed 001's `isActive` and seed 002's `status` as moves; `active` also publishes what is pending first (a deploy). */
export const LIVE_ACTIVATION = { active: 'resume', paused: 'pause', draft: 'keep_draft' } as const satisfies Record<string, AgentMoveName>;
export type LiveActivation = keyof typeof LIVE_ACTIVATION;

/** Throws the move's refusal when the table does not allow it from the agent's status. */
export function assertMoveAllowed(agent: LifecycleState, move: AgentMoveName): void {
  if (STATUS_AFTER[move][agent.status] === undefined) throw REFUSED[move](agent.status);
}

/**
 * The columns `move` writes on `agent` at `now` and the event it records, or null when it changes
 * nothing (pausing a paused agent): the use case then writes nothing and the ETag stays.
 */
export function moveAgent(agent: LifecycleState, move: AgentMove, now: Date): AppliedMove | null {
  assertMoveAllowed(agent, move.name);
  const after = STATUS_AFTER[move.name][agent.status];
  const status: AgentStatus = after === 'restored' ? statusAfterUndelete(agent.activeVariationId) : (after as AgentStatus);
  const changes = changesOf(agent, move, status, now);
  const event = EVENT_OF[move.name];
  if (!changes || !event) return null;
  return move.name === 'toggle' ? { changes, event, data: { active: changes.isScheduleActive } } : { changes, event };
}

/** A schedule's next tick from now, when it is switched on and the agent runs. */
function nextTick(trigger: unknown, on: boolean, status: AgentStatus, now: Date): Date | null {
  return on && status === 'active' && isScheduleTrigger(trigger) ? nextRunAt(trigger, now) : null;
}

function changesOf(agent: LifecycleState, move: AgentMove, status: AgentStatus, now: Date): LifecycleChanges | null {
  switch (move.name) {
    case 'deploy': {
      // The first deploy of a schedule turns it on; later deploys keep the user's switch; no schedule, off.
      const wasScheduled = agent.activeVariationId !== null && isScheduleTrigger(move.previousTrigger);
      const on = isScheduleTrigger(move.trigger) && (agent.isScheduleActive || !wasScheduled);
      // A new version may have another zone: the digest sweep plans its next one afresh.
      return { status, isScheduleActive: on, nextRunAt: nextTick(move.trigger, on, status, now), digestDueAt: null };
    }
    case 'discard_draft':
      return agent.draftVariationId === null ? null : { draftVariationId: null, hasUnpublishedChanges: false };
    case 'pause':
      return status === agent.status ? null : { status, nextRunAt: null };
    case 'resume':
      // The schedule, if on, continues from now: ticks missed while paused are not run.
      return status === agent.status ? null : { status, nextRunAt: nextTick(move.trigger, agent.isScheduleActive, status, now) };
    case 'toggle': {
      const on = move.on ?? !agent.isScheduleActive;
      if (on && !isScheduleTrigger(move.trigger)) throw agentErrors.scheduleTriggerMissing();
      // A paused agent keeps the switch on but has no next tick until it resumes.
      return { isScheduleActive: on, nextRunAt: nextTick(move.trigger, on, status, now) };
    }
    case 'keep_draft':
      return null;
    case 'delete':
      return { status, deletedAt: now, isScheduleActive: false, nextRunAt: null };
    case 'undelete':
      return { status, deletedAt: null };
    case 'notifications_changed':
      // A digest turned (back) on starts at the next 09:00, not at once.
      return { digestDueAt: null };
  }
}
