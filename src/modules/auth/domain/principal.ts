import type { Actor } from '../../../infrastructure/database/change';

/**
 * The longest subject an owner or a grant can name; a token's sub and groups are limited so that their
 * principals fit it. It lives with the principal, not the grants, so that access imports auth and never
 * the reverse.
 */
export const MAX_PRINCIPAL_LENGTH = 200;

/** Who is calling: resolved once per request from a JWT or an org API key. */
export interface Principal {
  orgId: string;
  /** `user:<sub>` for a JWT, `apikey:<id>` for an API key. */
  subject: string;
  groups: string[];
  isOrgAdmin: boolean;
  /** An API key with the `runtime` role: it may claim runs and report on them, and nothing else. */
  isRuntime?: boolean;
  /** The API key's id, for a key: a request that outlives its authentication (a waiting claim) re-checks the key row. */
  apiKeyId?: string;
  /**
   * For a JWT: the instant (epoch ms) from which verifying the token again would refuse it (its `exp`, or
   * its maximum age, plus the clock skew). A request that outlives its authentication stops acting for it then.
   */
  expiresAt?: number;
  /** The request this principal came with (its X-Request-Id), so what it changes can name it. */
  requestId?: string;
}

/** Whether a JWT principal's token has lapsed since it was verified; an API key's validity is the database's to say. */
export const hasLapsed = (principal: Principal, now: number): boolean => principal.expiresAt !== undefined && now >= principal.expiresAt;

/** The subject of an API key's principal, as runs record who claimed and created them. */
export const apiKeySubject = (id: string): string => `apikey:${id}`;

/** The principal as the actor of what its request changes (SPEC §13: user, api_key or runtime). */
export function actorOf(principal: Principal): Actor {
  const kind = principal.isRuntime ? 'runtime' : principal.apiKeyId ? 'api_key' : 'user';
  return { subject: principal.subject, kind, requestId: principal.requestId ?? null };
}
