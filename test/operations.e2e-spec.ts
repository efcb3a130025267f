import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, startProdArgs, suiteEnv } from './support/app-process';
import { freePort } from './support/free-port';
import { api } from './support/http';
import { TcpProxy } from './support/tcp-proxy';
import { tokenFor } from './support/tokens';

const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('health and API docs', () => {
  it('reports liveness and readiness without authentication', async () => {
    expect(await api('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api('GET', '/health/ready')).toMatchObject({ status: 200, body: { status: 'ok', info: { database: { status: 'up' } } } });
  });

  it('serves Swagger UI and an OpenAPI document declaring both auth schemes', async () => {
    const ui = await api('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/html/);
    const document = await api('GET', '/docs-json');
    expect(document.status).toBe(200);
    expect(document.body.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
    });
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/api/v1/api-keys', '/health/ready']));
  });
});

describe('request logs', () => {
  it('are JSON lines carrying the request id and chosen request fields, never credentials; probes are not logged', async () => {
    const app = await startApp(suiteEnv({ LOG_LEVEL: 'info' }));
    const token = tokenFor({ sub: 'log-reader', admin: true });
    try {
      await api('GET', '/api/v1/api-keys', { token, baseUrl: app.url, headers: { 'x-request-id': 'log-trace-42', cookie: 'session=cookie-secret' } });
      await api('GET', '/api/v1/api-keys', { apiKey: 'pk_live_secretsecretsecretsecret', baseUrl: app.url });
      await api('GET', '/health/live', { baseUrl: app.url, headers: { 'x-request-id': 'probe-43' } });
      await api('GET', '/health/ready', { baseUrl: app.url, headers: { 'x-request-id': 'probe-44' } });
    } finally {
      await app.stop();
    }
    const entries = app.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const request = entries.find((entry) => entry.req?.id === 'log-trace-42');
    expect(request).toMatchObject({ req: { method: 'GET', url: '/api/v1/api-keys', remoteAddress: '127.0.0.1' }, res: { statusCode: 200 }, msg: 'request completed' });
    expect(Object.keys(request.req).sort()).toEqual(['id', 'method', 'remoteAddress', 'url', 'userAgent']);
    expect(entries.filter((entry) => entry.req?.url === '/api/v1/api-keys')).toHaveLength(2);
    expect(entries.filter((entry) => String(entry.req?.url).startsWith('/health/'))).toEqual([]);
    expect(app.output()).not.toContain(token);
    expect(app.output()).not.toContain('pk_live_secretsecretsecretsecret');
    expect(app.output()).not.toContain('cookie-secret');
  });
});

describe('deployment', () => {
  it('runs the container with the heap budget of npm run start:prod, the command the tests and benchmarks run', () => {
    const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
    const command = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]');
    expect(command).toEqual(['node', ...startProdArgs()]);
    expect(startProdArgs()).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=\d+$/), expect.stringMatching(/^--max-semi-space-size=\d+$/)]));
  });
});

describe('configuration at start', () => {
  it('refuses production without real auth configuration', async () => {
    const app = await startApp({ NODE_ENV: 'production', DATABASE_URL: process.env.E2E_DATABASE_URL }, { waitForReady: false });
    expect(await app.exited).toBe(1);
    expect(app.output()).toMatch(/production needs AUTH_JWT_SECRET or AUTH_JWKS_URL/);
  });

  it('names a bad value in one line', async () => {
    const app = await startApp({ DATABASE_URL: process.env.E2E_DATABASE_URL, DB_POOL_SIZE: 'lots' }, { waitForReady: false });
    expect(await app.exited).toBe(1);
    expect(app.output().trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: DB_POOL_SIZE/)]);
  });
});

describe('embedded PostgreSQL', () => {
  it('starts with no DATABASE_URL, keeps data across restarts and stops the database on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentry-embedded-'));
    const pgPort = await freePort();
    const env = { EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), AUTH_JWT_SECRET: process.env.E2E_JWT_SECRET };
    const admin = tokenFor({ sub: 'embedded-admin', admin: true });
    try {
      const first = await startApp(env);
      const created = await api('POST', '/api/v1/api-keys', { token: admin, body: { name: 'survives restarts', role: 'member' }, baseUrl: first.url });
      expect(created.status).toBe(201);
      expect(await first.stop()).toBe(0);
      expect(await portAnswers(pgPort)).toBe(false);

      const second = await startApp(env);
      const listed = await api('GET', '/api/v1/api-keys', { token: admin, baseUrl: second.url });
      expect(listed.body.apiKeys.map((k: { id: string }) => k.id)).toContain(created.body.id);
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request on SIGTERM and exits 0', async () => {
    // A slow link to the database keeps the request in flight while the signal arrives.
    const target = new URL(process.env.E2E_DATABASE_URL ?? '');
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(target.toString());
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const app = await startApp(suiteEnv({ DATABASE_URL: viaProxy.toString() }));
    try {
      proxy.delayMs = 400;
      const inFlight = api('GET', '/api/v1/api-keys', { token: tokenFor({ sub: 'drain', admin: true }), baseUrl: app.url });
      await new Promise((r) => setTimeout(r, 100));
      const exitCode = app.stop();
      expect((await inFlight).status).toBe(200);
      proxy.delayMs = 0;
      expect(await exitCode).toBe(0);
    } finally {
      await app.stop();
      await proxy.close();
    }
  });

  it('does not wait for a connection that never sent a request (an aborted fetch leaves one)', async () => {
    const app = await startApp(suiteEnv());
    const { port } = new URL(app.url);
    const silent = connect(Number(port), '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => silent.once('connect', resolve).once('error', reject));
      const began = Date.now();
      expect(await app.stop()).toBe(0);
      // Node would keep it open until its headers timeout (a minute); the drain closes it once nothing is in flight.
      expect(Date.now() - began).toBeLessThan(5000);
    } finally {
      silent.destroy();
      await app.stop();
    }
  });
});
