import { Principal } from './principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Turns verified JWT claims into a principal, or explains which claim is missing or wrong. */
export function principalFromClaims(claims: Record<string, unknown>): { principal: Principal } | { problem: string } {
  const { sub, org_id: orgId, org_role: orgRole, groups } = claims;
  if (typeof sub !== 'string' || sub.length === 0) return { problem: 'the token has no sub claim' };
  if (typeof orgId !== 'string' || !UUID.test(orgId)) return { problem: 'the token has no org_id claim holding an organization UUID' };
  if (orgRole !== undefined && orgRole !== 'org:admin' && orgRole !== 'org:member') {
    return { problem: 'org_role must be org:admin or org:member' };
  }
  if (groups !== undefined && (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && g.length > 0))) {
    return { problem: 'groups must be an array of group names' };
  }
  return {
    principal: {
      orgId: orgId.toLowerCase(),
      subject: `user:${sub}`,
      groups: (groups as string[] | undefined) ?? [],
      isOrgAdmin: orgRole === 'org:admin',
    },
  };
}
