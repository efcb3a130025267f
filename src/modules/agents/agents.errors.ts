import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { FieldError } from '../../common/errors/field-error';

/** The Agents module's errors, one factory each; the problem+json map gives them their status. */
export const agentErrors = {
  notFound: () => new DomainError(ErrorCode.NOT_FOUND, 'No such agent.'),
  neverDeployed: () => new DomainError(ErrorCode.NOT_FOUND, 'This agent has never been deployed; there is no active view.'),
  deleted: (detail = 'The agent is deleted; undelete it before changing it.') => new DomainError(ErrorCode.AGENT_DELETED, detail),
  notDeleted: () => new DomainError(ErrorCode.CONFLICT, 'The agent is not deleted.'),
  notDeployed: (detail: string) => new DomainError(ErrorCode.NOT_DEPLOYED, detail),
  deployedNotDraft: () => new DomainError(ErrorCode.CONFLICT, 'The agent has been deployed; it cannot go back to draft (pause it instead).'),
  etagMismatch: (version: number) =>
    new DomainError(ErrorCode.PRECONDITION_FAILED, `If-Match does not match the agent's current ETag "${version}"; reload and retry.`),
  slugsExhausted: () => new DomainError(ErrorCode.CONFLICT, 'Could not find a free slug for this name; try a slightly different name.'),
  scheduleTriggerMissing: () =>
    new DomainError(ErrorCode.SCHEDULE_TRIGGER_MISSING, 'The deployed variation has no schedule trigger; deploy one before turning the schedule on.'),
  invalidSubAgents: (errors: FieldError[]) => new DomainError(ErrorCode.INVALID_SUB_AGENTS, 'Some sub-agents cannot be used.', errors),
};
