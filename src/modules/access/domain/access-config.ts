import { FieldError } from '../../../common/errors/field-error';
import { MAX_PRINCIPAL_LENGTH } from '../../auth/domain/principal';

export type AccessLevel = 'use' | 'manage';
export type OrgAccess = 'none' | 'use' | 'manage';

export interface Grant {
  /** `user:<id>`, `group:<name>` or `apikey:<id>`. */
  principal: string;
  access: AccessLevel;
}

export interface AccessConfig {
  /** The subject of the owner, e.g. `user:user_1`; changed only by ownership transfer. */
  owner: string;
  /** The baseline every member of the agent's org gets. */
  orgAccess: OrgAccess;
  grants: Grant[];
}

export const MAX_GRANTS = 200;
const GRANT_PRINCIPAL = /^(user|group|apikey):\S+$/;

/** Checks the rules a grant list must satisfy beyond its shape; reports every offending grant. */
export function validateGrants(grants: Grant[], path = 'accessConfig.grants'): FieldError[] {
  const errors: FieldError[] = [];
  if (grants.length > MAX_GRANTS) {
    errors.push({ field: path, message: `at most ${MAX_GRANTS} grants are allowed, got ${grants.length}` });
  }
  const firstIndexOf = new Map<string, number>();
  grants.forEach(({ principal, access }, index) => {
    const at = `${path}[${index}]`;
    if (typeof principal !== 'string' || !GRANT_PRINCIPAL.test(principal) || principal.length > MAX_PRINCIPAL_LENGTH) {
      errors.push({
        field: `${at}.principal`,
        message: `must be user:<id>, group:<name> or apikey:<id> without whitespace, at most ${MAX_PRINCIPAL_LENGTH} characters`,
      });
    } else if (firstIndexOf.has(principal)) {
      errors.push({ field: `${at}.principal`, message: `duplicates ${path}[${firstIndexOf.get(principal)}]: one grant per principal` });
    } else {
      firstIndexOf.set(principal, index);
    }
    if (access !== 'use' && access !== 'manage') {
      errors.push({ field: `${at}.access`, message: 'must be use or manage' });
    }
  });
  return errors;
}
