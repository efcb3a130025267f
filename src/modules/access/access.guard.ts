import { Principal } from '../auth/domain/principal';
import { accessErrors } from './access.errors';
import { AccessControlled, AccessRights, checkLockout, evaluateAccess } from './domain/access.policy';
import { AccessConfig, AccessLevel } from './domain/access-config';

/**
 * The access guard: where the access policy turns into 404, 403 and 422 answers. Plain functions,
 * not a Nest `CanActivate`: both checks must run inside the write's transaction against the row it
 * has locked (a guard runs before the handler, on a row that may change before the write).
 */

/**
 * Callers who cannot use the agent get 404 (it does not exist for them); who can use but must manage, 403.
 * `hidden` is the 404 they get: the agent's own, or that of what they asked for through it (a run).
 */
export function requireAccess(principal: Principal, agent: AccessControlled, level: AccessLevel, hidden: () => Error = accessErrors.notVisible): AccessRights {
  const rights = evaluateAccess(principal, agent);
  if (!rights.canUse) throw hidden();
  if (level === 'manage' && !rights.canManage) throw accessErrors.cannotManage();
  return rights;
}

/** An accessConfig edit that would leave its author without use or manage is refused with 422 ACCESS_LOCKOUT. */
export function guardAccessConfigEdit(principal: Principal, agent: AccessControlled, next: AccessConfig): void {
  const lockout = checkLockout(principal, agent, next);
  if (lockout) throw accessErrors.lockout(lockout.lost);
}
