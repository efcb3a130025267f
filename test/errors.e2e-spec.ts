import { connect, Socket } from 'node:net';
import { startApp, suiteEnv } from './support/app-process';
import { ownDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { TcpProxy } from './support/tcp-proxy';
import { tokenFor } from './support/tokens';

describe('errors and request ids', () => {
  const admin = tokenFor({ sub: 'errors-admin', admin: true });

  it('answers malformed JSON with 400 problem+json', async () => {
    expectProblem(await api('POST', '/api/v1/api-keys', { token: admin, rawBody: '{"name": ' }), 400, 'MALFORMED_REQUEST');
  });

  it('answers a body over 1 MiB with 413', async () => {
    const rawBody = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), role: 'member' });
    expectProblem(await api('POST', '/api/v1/api-keys', { token: admin, rawBody }), 413, 'PAYLOAD_TOO_LARGE');
  });

  describe('a refused body on a raw connection', () => {
    const LENGTH = 2 * 1024 * 1024;
    let socket: Socket;
    /** What the current socket received and whether it closed; a new object per socket, as an earlier one's events may still come. */
    let state: { received: string; closed: boolean } = { received: '', closed: false };

    beforeEach(async () => {
      const { hostname, port } = new URL(process.env.E2E_BASE_URL!);
      const own: typeof state = { received: '', closed: false };
      state = own;
      socket = connect(Number(port), hostname);
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (own.received += chunk));
      socket.on('close', () => (own.closed = true));
      socket.on('error', (error) => (own.received += `[${String(error)}]`));
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    });
    afterEach(() => socket.destroy());

    /** Waits until a whole answer with a `Content-Length` has arrived (or the connection closes), and returns its head. */
    const answer = async (): Promise<string> => {
      for (;;) {
        const head = state.received.split('\r\n\r\n')[0];
        const length = /\r\ncontent-length: (\d+)/i.exec(head)?.[1];
        if (length !== undefined && state.received.length >= head.length + 4 + Number(length)) {
          state.received = state.received.slice(head.length + 4 + Number(length));
          return head;
        }
        if (state.closed) return `closed after: ${state.received}`;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const post = (headers: string) => `POST /api/v1/api-keys HTTP/1.1\r\nHost: agentry\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\n${headers}\r\n`;

    it('answers 413 before a declared body arrives, then reads and drops it and keeps the connection for the next request', async () => {
      socket.write(post(`Content-Length: ${LENGTH}\r\n`));
      const refused = await answer();
      expect(refused).toMatch(/^HTTP\/1\.1 413 /);
      expect(refused).not.toMatch(/\r\nconnection: close/i);
      // The sender goes on writing the body it declared, as fetch does, then asks again on the same connection.
      socket.write(Buffer.alloc(LENGTH, 'x'));
      socket.write('GET /health/live HTTP/1.1\r\nHost: agentry\r\n\r\n');
      expect(await answer()).toMatch(/^HTTP\/1\.1 200 /);
    });

    it('still closes the connection after refusing a declared body over 16 MiB, rather than read it all', async () => {
      socket.write(post(`Content-Length: ${16 * 1024 * 1024 + 1}\r\n`));
      const refused = await answer();
      expect(refused).toMatch(/^HTTP\/1\.1 413 /);
      expect(refused).toMatch(/\r\nconnection: close/i);
    });
  });

  it('answers an unknown route with 404 problem+json', async () => {
    expectProblem(await api('GET', '/api/v1/nothing-here', { token: admin }), 404, 'ROUTE_NOT_FOUND');
  });

  it('echoes a given X-Request-Id and uses it in problems', async () => {
    const response = await api('GET', '/api/v1/api-keys', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(expectProblem(response, 401).requestId).toBe('trace-abc-123');
  });

  it('generates a request id when none (or an unsafe one) is given', async () => {
    const response = await api('GET', '/health/live', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('database outage', () => {
  it('answers 503 with Retry-After while the database is unreachable, and recovers by itself', async () => {
    // A database of its own: an instance cut off from the shared one could hold the suite's periodic jobs.
    const database = await ownDatabase('agentry_cut_test');
    const target = new URL(database.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(target.toString());
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const app = await startApp(suiteEnv({ DATABASE_URL: viaProxy.toString(), DB_CONNECT_TIMEOUT_MS: '1000' }));
    const admin = tokenFor({ sub: 'outage-admin', admin: true });
    try {
      expect((await api('GET', '/api/v1/api-keys', { token: admin, baseUrl: app.url })).status).toBe(200);

      proxy.cut();
      const down = await api('GET', '/api/v1/api-keys', { token: admin, baseUrl: app.url });
      expectProblem(down, 503, 'DATABASE_UNAVAILABLE');
      expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
      // Seed 002's routes answer the same outage in their envelope.
      const enveloped = await api('GET', '/api/agents', { token: admin, baseUrl: app.url });
      expect({ status: enveloped.status, retryAfter: enveloped.headers.get('retry-after'), body: enveloped.body }).toMatchObject({
        status: 503,
        retryAfter: expect.stringMatching(/^\d+$/),
        body: { status: 'error', status_code: 503, code: 'DATABASE_UNAVAILABLE', data: null, request_id: enveloped.headers.get('x-request-id') },
      });
      expect((await api('GET', '/health/ready', { baseUrl: app.url })).status).toBe(503);

      proxy.restore();
      let recovered = 0;
      for (let attempt = 0; attempt < 50 && recovered !== 200; attempt++) {
        recovered = (await api('GET', '/api/v1/api-keys', { token: admin, baseUrl: app.url })).status;
        if (recovered !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(recovered).toBe(200);
      expect((await api('GET', '/health/ready', { baseUrl: app.url })).status).toBe(200);
    } finally {
      // A failure while the database was cut must not leave the instance waiting for it on stop.
      proxy.restore();
      await app.stop();
      await proxy.close();
      await database.drop();
    }
  });
});
