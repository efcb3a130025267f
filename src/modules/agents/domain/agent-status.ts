/** `draft` until first deployed, then `active`; `deleted` is a soft delete that can be undone. */
export type AgentStatus = 'draft' | 'active' | 'deleted';

/** An undeleted agent returns to what it was: deployed agents keep their active variation. */
export function statusAfterUndelete(activeVariationId: string | null): AgentStatus {
  return activeVariationId === null ? 'draft' : 'active';
}
