import { createHmac } from 'node:crypto';

export const ORG_A = '00000000-0000-0000-0000-00000000000a';
export const ORG_B = '00000000-0000-0000-0000-00000000000b';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface TokenOptions {
  org?: string;
  sub: string;
  admin?: boolean;
  groups?: string[];
  secret?: string;
  expiresIn?: number;
  claims?: Record<string, unknown>;
}

/** HS256 by hand (node:crypto), so tests check the service's jose verification against an independent signer. */
export function tokenFor(options: TokenOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: options.sub,
    org_id: options.org ?? ORG_A,
    org_role: options.admin ? 'org:admin' : 'org:member',
    ...(options.groups ? { groups: options.groups } : {}),
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
    ...options.claims,
  };
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  const secret = options.secret ?? process.env.E2E_JWT_SECRET ?? '';
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export function unsignedToken(payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}
