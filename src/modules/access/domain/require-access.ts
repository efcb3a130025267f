import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { Principal } from '../../auth/domain/principal';
import { AccessControlled, AccessRights, evaluateAccess } from './access.policy';
import { AccessLevel } from './access-config';

/**
 * The guard every agent route goes through: callers who cannot use an agent learn nothing of it (404);
 * callers who can use but not manage are told so (403).
 */
export function requireAccess(principal: Principal, agent: AccessControlled, level: AccessLevel): AccessRights {
  const rights = evaluateAccess(principal, agent);
  if (!rights.canUse) throw new DomainError(ErrorCode.NOT_FOUND, 'No such agent.');
  if (level === 'manage' && !rights.canManage) {
    throw new DomainError(ErrorCode.FORBIDDEN, 'You can use this agent but not manage it.');
  }
  return rights;
}
