import type { Change } from '../../../infrastructure/database/change';
import { VariationContent } from '../../variation-store/domain/variation-content';
import { diffContent } from '../../variation-store/domain/variation-diff';

/** What an agent's use cases record (SPEC §13's names). */
export type AgentEventType =
  | 'agent.created'
  | 'agent.updated'
  | 'agent.deployed'
  | 'agent.draft_discarded'
  | 'agent.paused'
  | 'agent.resumed'
  | 'agent.schedule_toggled'
  | 'agent.deleted'
  | 'agent.undeleted'
  | 'agent.access_changed'
  | 'agent.notifications_changed'
  | 'agent.ownership_transfer.requested'
  | 'agent.ownership_transfer.accepted'
  | 'agent.ownership_transfer.declined'
  | 'agent.ownership_transfer.cancelled'
  | 'agent.ownership_transfer.expired'
  | 'agent.budget_exceeded';

/** A change of the agent, for `work.record`. */
export function agentChange(agent: { id: number; orgId: string }, type: AgentEventType, data?: Record<string, unknown>): Change {
  return { type, orgId: agent.orgId, agentId: agent.id, ...(data ? { data } : {}) };
}

/** `agent.updated`'s `data.changes`: the content fields a write changed, as the diff route compares them. */
export function contentChanges(before: VariationContent | null, after: VariationContent): { field: string; before: unknown; after: unknown }[] {
  return diffContent(before, after).map(({ field, active, draft }) => ({ field, before: active, after: draft }));
}
