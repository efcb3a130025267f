import { DomainError, retryAfter } from '../../common/errors/domain-error';
import { FieldError } from '../../common/errors/field-error';
import { ErrorCode } from '../../common/errors/error-code';
import { RunMove, RunStatus } from './domain/run-status';

/** The Runs module's errors, one factory each; the problem+json map gives them their status. */
export const runErrors = {
  notFound: () => new DomainError(ErrorCode.NOT_FOUND, 'No such run.'),
  neverDeployed: () => new DomainError(ErrorCode.NOT_DEPLOYED, 'The agent has never been deployed; deploy it before starting runs.'),
  agentPaused: () => new DomainError(ErrorCode.AGENT_PAUSED, 'The agent is paused; resume it before starting runs.'),
  agentDeleted: () => new DomainError(ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before starting runs.'),
  noSuchEnvironment: (name: string) =>
    new DomainError(ErrorCode.UNPROCESSABLE, `This agent has no environment "${name}".`, [{ field: 'environment', message: 'names no environment of this agent' }]),
  versionOrEnvironment: () =>
    new DomainError(ErrorCode.VALIDATION_FAILED, 'Send either version or environment, not both.', [{ field: 'environment', message: 'cannot be sent with version' }]),
  versionNotPublished: (version: number) => new DomainError(ErrorCode.VERSION_NOT_PUBLISHED, `This agent has no published version ${version}.`),
  stateConflict: (status: RunStatus, move: RunMove) =>
    new DomainError(ErrorCode.RUN_STATE_CONFLICT, `The run is ${status}; it cannot move on "${move}".`),
  notHeartbeating: (status: RunStatus) => new DomainError(ErrorCode.RUN_STATE_CONFLICT, `The run is ${status}; there is nothing to keep alive.`),
  claimedByAnother: (status: RunStatus) =>
    new DomainError(ErrorCode.RUN_STATE_CONFLICT, `The run is ${status} and held by another runtime (or its claim lapsed); claim a run first.`),
  cannotCancel: () => new DomainError(ErrorCode.FORBIDDEN, 'Only whoever started the run or a manager of its agent can cancel it.'),
  /** The claimant's credentials lapsed (token expired, key revoked) while its claim waited: the guard's 401. */
  claimantLapsed: (detail: string) => new DomainError(ErrorCode.UNAUTHENTICATED, detail),
  atCapacity: (busy: number, limit: number, seconds: number) =>
    retryAfter(ErrorCode.AGENT_AT_CAPACITY, seconds, (wait) => `The agent has ${busy} runs queued, claimed or running, its limit is ${limit}; retry in ${wait} seconds.`),
  inputInvalid: (version: number, errors: FieldError[]) => new DomainError(ErrorCode.RUN_INPUT_INVALID, `The input does not match the input schema of version ${version}.`, errors),
  claimForbidden: () => new DomainError(ErrorCode.FORBIDDEN, 'Only runtime API keys and org admins claim runs.'),
};
