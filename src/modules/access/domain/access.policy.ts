import { Principal } from '../../auth/domain/principal';
import { AccessConfig, AccessLevel, OrgAccess } from './access-config';

export interface AccessRights {
  canUse: boolean;
  canManage: boolean;
}

/** What the policy needs to know about an agent. */
export interface AccessControlled {
  orgId: string;
  accessConfig: AccessConfig;
}

const NO_ACCESS: AccessRights = { canUse: false, canManage: false };
const FULL_ACCESS: AccessRights = { canUse: true, canManage: true };
/** Access levels in order: a higher rank includes the lower ones (`manage` implies `use`). */
export const ACCESS_RANK: Readonly<Record<OrgAccess, number>> = { none: 0, use: 1, manage: 2 };

/**
 * The grant principals that apply to the caller. evaluateAccess matches grants through this list
 * so that the SQL list filter, which is built from it, can never disagree with the policy.
 */
export function accessPrincipalsFor(principal: Principal): string[] {
  return [principal.subject, ...principal.groups.map((group) => `group:${group}`)];
}

export function evaluateAccess(principal: Principal, agent: AccessControlled): AccessRights {
  if (principal.orgId !== agent.orgId) return NO_ACCESS;
  const { owner, orgAccess, grants } = agent.accessConfig;
  if (principal.isOrgAdmin || principal.subject === owner) return FULL_ACCESS;
  const mine = new Set(accessPrincipalsFor(principal));
  const rank = grants
    .filter((grant) => mine.has(grant.principal))
    .reduce((best, grant) => Math.max(best, ACCESS_RANK[grant.access]), ACCESS_RANK[orgAccess]);
  return { canUse: rank >= ACCESS_RANK.use, canManage: rank >= ACCESS_RANK.manage };
}

/**
 * The lock-out rule: an access change must leave its author able to use and manage the agent.
 * Returns what the caller would lose under `next`, or null when the change is allowed.
 */
export function checkLockout(principal: Principal, agent: AccessControlled, next: AccessConfig): { lost: AccessLevel[] } | null {
  const after = evaluateAccess(principal, { orgId: agent.orgId, accessConfig: next });
  const lost: AccessLevel[] = [];
  if (!after.canUse) lost.push('use');
  if (!after.canManage) lost.push('manage');
  return lost.length === 0 ? null : { lost };
}
