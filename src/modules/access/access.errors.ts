import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AccessLevel } from './domain/access-config';

/** The Access module's errors, one factory each; the problem+json map gives them their status. */
export const accessErrors = {
  /** Callers who cannot use an agent learn nothing of it, not even that it exists. */
  notVisible: () => new DomainError(ErrorCode.NOT_FOUND, 'No such agent.'),
  cannotManage: () => new DomainError(ErrorCode.FORBIDDEN, 'You can use this agent but not manage it.'),
  lockout: (lost: AccessLevel[]) =>
    new DomainError(
      ErrorCode.ACCESS_LOCKOUT,
      `This accessConfig would take away your ${lost.join(' and ')} permission on the agent; keep a grant for yourself (or a group you are in) and retry.`,
    ),
};
