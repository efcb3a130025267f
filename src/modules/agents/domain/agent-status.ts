/**
 * `draft` until first deployed, then `active`; `paused` is deployed but switched off (no new runs, queued
 * ones held); `deleted` is a soft delete that can be undone.
 */
export const AGENT_STATUSES = ['draft', 'active', 'paused', 'deleted'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** An undeleted agent returns to what it was: deployed agents keep their active variation. */
export function statusAfterUndelete(activeVariationId: string | null): AgentStatus {
  return activeVariationId === null ? 'draft' : 'active';
}
