import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { api } from './support/http';
import { eventually } from './support/runs';

/**
 * Issue #20 item 0: who can reach the service, which browser pages may call it, and whose address a
 * request is logged under. Without leaving the loopback network: on Linux all of 127.0.0.0/8 is this
 * machine, and a server bound to 127.0.0.1 refuses connections to 127.0.0.2, while one bound to
 * 0.0.0.0 takes them. The extra instances run the suite's configuration on the suite's database (so
 * they work its queues as the suite service does), except for what each test is about.
 */
const ALLOWED_ORIGIN = 'https://app.example.com';
const OTHER_ORIGIN = 'https://evil.example.com';
const SPOOFED_CLIENT = '203.0.113.7';

/** The same service at another loopback address. */
function at(app: AppProcess, host: string): string {
  const url = new URL(app.url);
  url.hostname = host;
  return url.origin;
}

/** Whether `baseUrl` answers /health/live; false when the connection is refused. */
async function answers(baseUrl: string): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/health/live`, { signal: AbortSignal.timeout(5000) })).ok;
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return false;
    throw error;
  }
}

/** The client address the instance logged for the request with this id. */
function loggedAddress(app: AppProcess, requestId: string): Promise<string> {
  return eventually(async () => {
    const line = app
      .output()
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text))
      .find((entry) => entry.req?.id === requestId);
    return line?.req.remoteAddress as string | undefined;
  }, 5000, `the log line of request ${requestId}`);
}

/** Sends a request claiming, through X-Forwarded-For, to come from SPOOFED_CLIENT; returns its id. */
async function spoofedRequest(app: AppProcess): Promise<string> {
  const requestId = `xff-${Math.random().toString(36).slice(2)}`;
  const response = await api('GET', '/api/v1/agents', { baseUrl: app.url, headers: { 'x-request-id': requestId, 'x-forwarded-for': SPOOFED_CLIENT } });
  expect(response.status).toBe(401);
  return requestId;
}

const corsHeaders = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('network defaults', () => {
  let developmentLocal: AppProcess;
  let developmentChosenHost: AppProcess;
  let deployed: AppProcess;

  beforeAll(async () => {
    const results = await Promise.allSettled([
      // The development secret (no AUTH_JWT_SECRET) and no HOST.
      startApp(suiteEnv({ AUTH_JWT_SECRET: undefined, HOST: undefined, LOG_LEVEL: 'info' })),
      // The development secret and an address chosen with HOST.
      startApp(suiteEnv({ AUTH_JWT_SECRET: undefined, HOST: '127.0.0.2' })),
      // A real secret, no HOST, a browser client's origin and a proxy on loopback.
      startApp(suiteEnv({ HOST: undefined, CORS_ORIGINS: `${ALLOWED_ORIGIN}, http://localhost:5173`, TRUST_PROXY: '127.0.0.0/8' })),
    ]);
    const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) {
      await Promise.all(started.map((app) => app.stop()));
      throw failure.reason;
    }
    [developmentLocal, developmentChosenHost, deployed] = started;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([developmentLocal, developmentChosenHost, deployed].map((app) => app?.stop()));
  });

  describe('listening address', () => {
    it('with the development secret and no HOST, serves loopback only and says why at start', async () => {
      expect(await answers(at(developmentLocal, '127.0.0.1'))).toBe(true);
      expect(await answers(at(developmentLocal, '127.0.0.2'))).toBe(false);
      const { port } = new URL(developmentLocal.url);
      expect(developmentLocal.output()).toContain(`Agentry listening on http://127.0.0.1:${port}`);
      expect(developmentLocal.output()).toMatch(/development JWT secret.*listening on 127\.0\.0\.1 only.*set HOST.*AUTH_JWT_SECRET or AUTH_JWKS_URL/);
    });

    it('with the development secret, listens where HOST says, and warns that anyone reaching it can mint tokens', async () => {
      expect(await answers(at(developmentChosenHost, '127.0.0.2'))).toBe(true);
      expect(await answers(at(developmentChosenHost, '127.0.0.1'))).toBe(false);
      expect(developmentChosenHost.output()).toContain('HOST=127.0.0.2 lets anyone who reaches that address mint tokens');
    });

    it('with a real secret and no HOST, listens on every interface', async () => {
      expect(await answers(at(deployed, '127.0.0.1'))).toBe(true);
      expect(await answers(at(deployed, '127.0.0.2'))).toBe(true);
    });
  });

  describe('CORS', () => {
    const preflight = (baseUrl: string | undefined, origin: string) =>
      api('OPTIONS', '/api/v1/agents/1', {
        baseUrl,
        headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,if-match,content-type' },
      });

    it('is off without CORS_ORIGINS: no CORS header on an answer or a preflight', async () => {
      const answer = await api('GET', '/health/live', { headers: { origin: ALLOWED_ORIGIN } });
      expect(answer.status).toBe(200);
      expect(corsHeaders(answer.headers)).toEqual([]);
      const refused = await preflight(undefined, ALLOWED_ORIGIN);
      expect(refused.status).toBe(404);
      expect(corsHeaders(refused.headers)).toEqual([]);
    });

    it('answers a listed origin, preflight included, with what a browser client needs', async () => {
      const answer = await api('GET', '/health/live', { baseUrl: deployed.url, headers: { origin: ALLOWED_ORIGIN } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(answer.headers.get('access-control-expose-headers')).toBe('ETag, Idempotent-Replayed, Location, RateLimit, RateLimit-Policy, Retry-After, X-Request-Id');
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
      expect(answer.headers.get('vary')).toMatch(/origin/i);

      const allowed = await preflight(deployed.url, ALLOWED_ORIGIN);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(allowed.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
      expect(allowed.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, Idempotency-Key, If-Match, Last-Event-ID, X-Api-Key, X-Request-Id');

      const second = await api('GET', '/health/live', { baseUrl: deployed.url, headers: { origin: 'http://localhost:5173' } });
      expect(second.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    });

    it('gives any other origin no CORS header, and its preflight the 404 of an unknown route', async () => {
      const answer = await api('GET', '/health/live', { baseUrl: deployed.url, headers: { origin: OTHER_ORIGIN } });
      expect(answer.status).toBe(200);
      expect(corsHeaders(answer.headers)).toEqual([]);
      const refused = await preflight(deployed.url, OTHER_ORIGIN);
      expect(refused.status).toBe(404);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(corsHeaders(refused.headers)).toEqual([]);
    });
  });

  describe('TRUST_PROXY', () => {
    it('unset: a spoofed X-Forwarded-For does not change the logged client address', async () => {
      expect(await loggedAddress(developmentLocal, await spoofedRequest(developmentLocal))).toBe('127.0.0.1');
    });

    it('naming the proxy: the client address is the one the proxy forwarded', async () => {
      expect(await loggedAddress(deployed, await spoofedRequest(deployed))).toBe(SPOOFED_CLIENT);
    });
  });
});
