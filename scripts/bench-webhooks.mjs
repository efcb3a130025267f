// Webhook delivery under a burst with one dead endpoint: a throwaway embedded PostgreSQL, the built
// service (as deployed: default timeout 10 s, default retry schedule, 32 tries in flight per instance,
// 4 per endpoint), and five receivers on loopback, four answering 200 at once and one that never
// answers. N events (`api_key.created`) are appended to the log in one statement, so what is timed is
// delivery (fan-out, claims, signing, HTTP), not the writes that make events (the PATCH and claim
// benchmarks measure those). Reports the time from their commit until the four healthy receivers have
// every event, duplicates, what the hanging one held, and the service's peak RSS; adds a `webhooks`
// section to bench/results.json.
// Usage: npm run bench:webhooks [-- --events 1000 --out bench/results.json]   (also: npm run bench -- --only webhooks)
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';
import { serviceArgs } from './service-command.mjs';

const { EmbeddedDatabase } = databaseModule;
const { values } = parseArgs({ options: { events: { type: 'string', default: '1000' }, out: { type: 'string', default: 'bench/results.json' }, only: { type: 'string' } } });
const EVENTS = Number(values.events);
const SECRET = 'benchmark-secret-that-is-long-enough-for-hs256';
const ORG = '00000000-0000-4000-8000-00000000be4e';

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'bench-admin', org_id: ORG, org_role: 'org:admin', exp: Math.floor(Date.now() / 1000) + 7200 })}`;
const admin = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;

/** A loopback receiver: `hang` never answers (the sender gives up after its timeout). */
async function receiver(hang) {
  const state = { ids: new Set(), requests: 0, open: 0, maxOpen: 0, completeAt: null, sockets: new Set() };
  const server = createHttpServer((request, response) => {
    state.requests += 1;
    state.open += 1;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    response.on('close', () => (state.open -= 1));
    request.resume();
    request.on('end', () => {
      state.ids.add(request.headers['webhook-id']);
      if (state.ids.size === EVENTS && state.completeAt === null) state.completeAt = Date.now();
      if (!hang) response.end('ok');
    });
  });
  server.on('connection', (socket) => { state.sockets.add(socket); socket.on('close', () => state.sockets.delete(socket)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}/hook`;
  state.close = () => new Promise((resolve) => { for (const socket of state.sockets) socket.destroy(); server.close(resolve); });
  return state;
}

const healthy = await Promise.all([1, 2, 3, 4].map(() => receiver(false)));
const hanging = await receiver(true);
const database = await EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'agentry-bench-webhooks-')), port: await freePort(), persistent: false });
const port = await freePort();
const app = spawn(process.execPath, serviceArgs(), {
  env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', WEBHOOKS_ALLOW_PRIVATE: 'true' },
  stdio: 'inherit',
});
const base = `http://127.0.0.1:${port}`;
const peakRssMiB = () => {
  const status = readFileSync(`/proc/${app.pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

async function call(method, path, body) {
  const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const json = response.status === 204 ? undefined : await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

try {
  for (let ready = false; !ready; ) ready = (await fetch(`${base}/health/ready`).then((r) => r.ok, () => false)) || (await new Promise((r) => setTimeout(r, 200)), false);
  for (const target of [...healthy, hanging]) await call('POST', '/api/v1/webhook-endpoints', { url: target.url, types: ['api_key.created'] });
  const rssIdle = peakRssMiB();
  console.log(`${EVENTS} events to 5 endpoints on loopback (one hangs)...`);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const began = Date.now();
  await client.query(
    `INSERT INTO events (type, org_id, actor_subject, actor_kind, data)
     SELECT 'api_key.created', $1, 'user:bench-admin', 'user', jsonb_build_object('apiKeyId', gen_random_uuid(), 'name', 'bench ' || g, 'role', 'member')
     FROM generate_series(1, $2) g`,
    [ORG, EVENTS],
  );
  await client.end();
  const written = Date.now();
  const deadline = began + 300_000;
  while (healthy.some((r) => r.completeAt === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const done = Math.max(...healthy.map((r) => r.completeAt ?? Date.now()));
  const perEndpoint = healthy.map((r) => `${r.ids.size} / ${r.requests}`);
  const held = `${hanging.requests} / ${hanging.maxOpen}`;
  const peakRss = peakRssMiB();

  // The floor, in the same run: this process POSTs the same number of requests to the same receivers,
  // 28 at once (the service's slots left beside the hanging endpoint), a new connection each (as the
  // service does), no database, no signing: what the loaded machine allows for the HTTP alone.
  const { request } = await import('node:http');
  const post = (url) => new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'webhook-id': 'floor' } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end('{"type":"floor"}');
  });
  const floorBegan = Date.now();
  let sent = 0;
  await Promise.all(Array.from({ length: 28 }, async () => {
    while (sent < 4 * EVENTS) {
      const target = healthy[sent % 4];
      sent += 1;
      await post(target.url);
    }
  }));
  const floorSeconds = (Date.now() - floorBegan) / 1000;
  const result = {
    ranAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    events: EVENTS,
    endpoints: '4 healthy + 1 hanging (never answers; the service gives a try up after 10 s)',
    'events appended (one statement) in s': (written - began) / 1000,
    'all events at the 4 healthy endpoints after s (target ≤ 30)': healthy.every((r) => r.completeAt !== null) ? (done - began) / 1000 : null,
    'deliveries per second to the healthy endpoints': healthy.every((r) => r.completeAt !== null) ? Math.round((4 * EVENTS) / ((done - written) / 1000)) : null,
    'floor: the same 4,000 POSTs from a bare client, s': floorSeconds,
    'each healthy endpoint: distinct events / requests': perEndpoint,
    'hanging endpoint: requests / most open at once': held,
    'service RSS idle / peak, MiB': `${rssIdle} / ${peakRss}`,
  };
  console.table(result);
  const file = values.out;
  const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, `${JSON.stringify({ ...results, webhooks: result }, null, 2)}\n`);
  console.log(`added "webhooks" to ${file}`);
} finally {
  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  await Promise.all([...healthy, hanging].map((r) => r.close()));
  await database.stop();
}
