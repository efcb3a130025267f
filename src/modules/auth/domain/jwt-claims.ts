import { isStorableText } from '../../../common/validation/input-limits';
import { MAX_PRINCIPAL_LENGTH, Principal } from './principal';

/**
 * A sub or group name must fit the principal it becomes (`user:<sub>`, `group:<name>`), so that it can
 * be stored as an owner and named in a grant, and be text PostgreSQL can store and read back as sent.
 */
const MAX_SUB_LENGTH = MAX_PRINCIPAL_LENGTH - 'user:'.length;
const MAX_GROUP_LENGTH = MAX_PRINCIPAL_LENGTH - 'group:'.length;
const isName = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && isStorableText(value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Turns verified JWT claims into a principal, or explains which claim is missing or wrong. */
export function principalFromClaims(claims: Record<string, unknown>): { principal: Principal } | { problem: string } {
  const { sub, org_id: orgId, org_role: orgRole, groups } = claims;
  if (typeof sub !== 'string' || sub.length === 0) return { problem: 'the token has no sub claim' };
  if (!isName(sub, MAX_SUB_LENGTH)) return { problem: `sub must be at most ${MAX_SUB_LENGTH} characters of well-formed text without NUL` };
  if (typeof orgId !== 'string' || !UUID.test(orgId)) return { problem: 'the token has no org_id claim holding an organization UUID' };
  if (orgRole !== undefined && orgRole !== 'org:admin' && orgRole !== 'org:member') {
    return { problem: 'org_role must be org:admin or org:member' };
  }
  if (groups !== undefined && (!Array.isArray(groups) || !groups.every((g) => isName(g, MAX_GROUP_LENGTH)))) {
    return { problem: `groups must be an array of group names, each at most ${MAX_GROUP_LENGTH} characters of well-formed text without NUL` };
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

/**
 * The first instant (epoch ms) at which a new verification refuses the token, as jose decides it on whole
 * seconds: from `exp` + skew on (inclusive), and once its age exceeds the maximum + skew (exclusive).
 * Infinity when neither applies (jose is told to require `exp`).
 */
export function tokenRefusedFrom(claims: { exp?: unknown; iat?: unknown }, limits: { skewSeconds: number; maxAgeSeconds?: number }): number {
  const byExp = typeof claims.exp === 'number' ? Math.ceil(claims.exp + limits.skewSeconds) * 1000 : Infinity;
  const byAge =
    limits.maxAgeSeconds !== undefined && typeof claims.iat === 'number'
      ? (Math.floor(claims.iat + limits.maxAgeSeconds + limits.skewSeconds) + 1) * 1000
      : Infinity;
  return Math.min(byExp, byAge);
}
