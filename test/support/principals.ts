import type { Principal } from '../../src/modules/auth/domain/principal';
import { api } from './http';
import { tokenFor } from './tokens';

/** A caller spelled out: a user's bearer token or an API key. */
export type Auth = { token: string } | { apiKey: string };

/** Whoever makes a request: a bearer token as it is, or an {@link Auth}. */
export type Caller = string | Auth;

/** The request options that authenticate as `who`, so one helper serves users and API keys alike. */
export const auth = (who: Caller): Auth => {
  if (typeof who === 'string') return { token: who };
  return 'token' in who ? { token: who.token } : { apiKey: who.apiKey };
};

/** A user of `org`, optionally an org admin or a member of groups (the token's `groups` claim). */
export const user = (org: string, sub: string, extra: { admin?: boolean; groups?: string[] } = {}): Auth => ({ token: tokenFor({ sub, org, ...extra }) });

/** What the service makes of a caller: the principal unit tests hand to access rules (`subject` as `user:…` or `apikey:…`). */
export const principalFor = (org: string, subject: string, extra: { admin?: boolean; groups?: string[] } = {}): Principal => ({
  orgId: org,
  subject,
  groups: extra.groups ?? [],
  isOrgAdmin: extra.admin ?? false,
});

/** An API key of `org`, made through the API by an org admin, and fails loudly if the service refuses. */
export async function createApiKey(org: string, role: 'admin' | 'member' | 'runtime'): Promise<{ id: string; apiKey: string }> {
  const created = await api('POST', '/api/v1/api-keys', { ...user(org, 'key-maker', { admin: true }), body: { name: `e2e ${role}`, role } });
  if (created.status !== 201) throw new Error(`API key creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.id, apiKey: created.body.key };
}
