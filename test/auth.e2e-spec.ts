import { createServer, Server } from 'node:http';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { startApp, AppProcess, suiteEnv } from './support/app-process';
import { api, expectProblem } from './support/http';
import { ORG_A, tokenFor, unsignedToken } from './support/tokens';

describe('authentication', () => {
  it('rejects anonymous calls with 401 and a Bearer challenge', async () => {
    const response = await api('GET', '/api/v1/api-keys');
    expectProblem(response, 401, 'UNAUTHENTICATED');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('accepts a valid HS256 token', async () => {
    const response = await api('GET', '/api/v1/api-keys', { token: tokenFor({ sub: 'admin-1', admin: true }) });
    expect(response.status).toBe(200);
  });

  it.each([
    ['an expired token', () => tokenFor({ sub: 'u', expiresIn: -60 })],
    ['a wrong signature', () => tokenFor({ sub: 'u', secret: 'another-secret-that-is-also-long-enough' })],
    ['alg none', () => unsignedToken({ sub: 'u', org_id: ORG_A, exp: Math.floor(Date.now() / 1000) + 60 })],
    ['a token without org_id', () => tokenFor({ sub: 'u', claims: { org_id: undefined } })],
    ['garbage', () => 'not.a.jwt'],
  ])('rejects %s with 401', async (_name, token) => {
    const response = await api('GET', '/api/v1/api-keys', { token: token() });
    expectProblem(response, 401, 'UNAUTHENTICATED');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  describe('token lifetime, with the default 60 s clock skew', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const call = (claims: Record<string, unknown>) => api('GET', '/api/v1/api-keys', { token: tokenFor({ sub: 'clock', admin: true, claims }) });

    it.each([
      ['without exp', { exp: undefined }, /no exp claim/],
      ['issued ten years ahead', () => ({ iat: now() + 10 * 365 * 86_400 }), /iat/],
      ['issued two minutes ahead', () => ({ iat: now() + 120 }), /iat/],
      ['not valid for another two minutes', () => ({ nbf: now() + 120 }), /nbf/],
      ['expired two minutes ago', () => ({ iat: now() - 600, exp: now() - 120 }), /expired/],
    ])('refuses a token %s', async (_name, claims, detail) => {
      const problem = expectProblem(await call(typeof claims === 'function' ? claims() : claims), 401, 'UNAUTHENTICATED');
      expect(problem.detail).toMatch(detail);
    });

    it.each([
      ['issued 30 s ahead', () => ({ iat: now() + 30 })],
      ['valid from 30 s ahead', () => ({ nbf: now() + 30 })],
      ['expired 30 s ago', () => ({ iat: now() - 600, exp: now() - 30 })],
      ['without iat', () => ({ iat: undefined })],
    ])('accepts a token %s (within the skew)', async (_name, claims) => {
      expect((await call(claims())).status).toBe(200);
    });
  });

  it('refuses a token it accepted before once the token has expired', async () => {
    // Verified tokens are remembered for a while; never past their exp plus the 60 s clock skew.
    const now = Math.floor(Date.now() / 1000);
    const token = tokenFor({ sub: 'admin-expiring', admin: true, claims: { iat: now - 600, exp: now - 57 } });
    expect((await api('GET', '/api/v1/api-keys', { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expectProblem(await api('GET', '/api/v1/api-keys', { token }), 401, 'UNAUTHENTICATED');
  });

  it('rejects an unknown API key with 401', async () => {
    expectProblem(await api('GET', '/api/v1/api-keys', { apiKey: 'pk_live_doesnotexistdoesnotexistdoesnotexist' }), 401);
    expectProblem(await api('GET', '/api/v1/api-keys', { apiKey: 'short' }), 401);
  });
});

describe('authentication with issuer, audience and a JWKS', () => {
  let app: AppProcess;
  let jwks: Server;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secret = 'issuer-audience-secret-long-enough-for-hs256';

  beforeAll(async () => {
    jwks = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const address = jwks.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    app = await startApp(
      suiteEnv({
        AUTH_JWT_SECRET: secret,
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        AUTH_JWT_ISSUER: 'https://issuer.example',
        AUTH_JWT_AUDIENCE: 'agentry',
        AUTH_MAX_TOKEN_AGE_SECONDS: '300',
      }),
    );
  });

  afterAll(async () => {
    await app.stop();
    await new Promise((resolve) => jwks.close(resolve));
  });

  const call = (token: string) => api('GET', '/api/v1/api-keys', { token, baseUrl: app.url });
  const rs256 = (claims: Record<string, unknown>) => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(claims)}`;
    return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
  };
  const exp = () => Math.floor(Date.now() / 1000) + 600;

  it('accepts HS256 tokens only with the right issuer and audience', async () => {
    const good = { iss: 'https://issuer.example', aud: 'agentry' };
    expect((await call(tokenFor({ sub: 'a', admin: true, secret, claims: good }))).status).toBe(200);
    expectProblem(await call(tokenFor({ sub: 'a', admin: true, secret, claims: { ...good, iss: 'https://evil.example' } })), 401);
    expectProblem(await call(tokenFor({ sub: 'a', admin: true, secret, claims: { ...good, aud: 'other' } })), 401);
  });

  it('verifies RS256 tokens against the JWKS', async () => {
    const claims = { sub: 'clerk_user', org_id: ORG_A, org_role: 'org:admin', iss: 'https://issuer.example', aud: 'agentry', iat: Math.floor(Date.now() / 1000), exp: exp() };
    expect((await call(rs256(claims))).status).toBe(200);
    expectProblem(await call(rs256({ ...claims, exp: Math.floor(Date.now() / 1000) - 120 })), 401);
    const forged = rs256(claims).replace(/\.[^.]+$/, `.${Buffer.from('forged').toString('base64url')}`);
    expectProblem(await call(forged), 401);
  });

  it('with AUTH_MAX_TOKEN_AGE_SECONDS, refuses a token issued longer ago, or without iat, before its exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = { iss: 'https://issuer.example', aud: 'agentry' };
    const token = (claims: Record<string, unknown>) => tokenFor({ sub: 'a', admin: true, secret, claims: { ...good, ...claims } });
    expect((await call(token({ iat: now - 240 }))).status).toBe(200);
    expect(expectProblem(await call(token({ iat: now - 600 })), 401).detail).toMatch(/maximum token age/);
    expect(expectProblem(await call(token({ iat: undefined })), 401).detail).toMatch(/no iat claim/);
  });
});
