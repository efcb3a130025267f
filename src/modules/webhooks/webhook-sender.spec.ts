import { createServer, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { sendWebhook } from './webhook-sender';

// A receiver on 127.0.0.1: nothing here leaves loopback, and no name is resolved.
let server: Server;
let port: number;
const sockets = new Set<Socket>();
const seen: { host: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ host: request.headers.host, body });
      if (request.url === '/redirect') response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
      else if (request.url === '/big') response.writeHead(200).end('x'.repeat(5000));
      else if (request.url === '/busy') response.writeHead(429, { 'retry-after': '7' }).end('slow down');
      else if (request.url === '/hang') return;
      else response.writeHead(200).end('ok');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const to = (path: string, host = '127.0.0.1') => ({ url: new URL(`http://${host}:${port}${path}`), address: '127.0.0.1', family: 4 as const });

describe('sendWebhook', () => {
  it('connects to the checked address, never resolving the name again (a name that cannot resolve still reaches it), keeping the Host header', async () => {
    const result = await sendWebhook(to('/hook', 'receiver.invalid'), { 'webhook-id': 'msg_1' }, '{"a":1}', 2000);
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'ok', error: null });
    expect(seen.at(-1)).toEqual({ host: `receiver.invalid:${port}`, body: '{"a":1}' });
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    const before = seen.length;
    expect(await sendWebhook(to('/redirect'), {}, '{}', 2000)).toMatchObject({ statusCode: 302 });
    expect(seen.length).toBe(before + 1);
  });

  it('keeps the first KiB of the answer, and its Retry-After', async () => {
    expect((await sendWebhook(to('/big'), {}, '{}', 2000)).responseBody).toHaveLength(1024);
    expect(await sendWebhook(to('/busy'), {}, '{}', 2000)).toMatchObject({ statusCode: 429, retryAfter: '7', responseBody: 'slow down' });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const result = await sendWebhook(to('/hang'), {}, '{}', 300);
    expect(result).toMatchObject({ statusCode: null, error: 'No answer within 300 ms.' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
  });

  it('reports a refused connection as an error without a status', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const result = await sendWebhook({ url: new URL(`http://127.0.0.1:${closed}/`), address: '127.0.0.1', family: 4 }, {}, '{}', 2000);
    expect(result).toMatchObject({ statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
  });
});
