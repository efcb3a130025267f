// A burst of run events against notification delivery: a throwaway embedded PostgreSQL, the built
// service, and a fake Slack Web API that, like Slack, answers 429 (Retry-After: 1) to a second message
// in one channel within a second. Reports how long until every notification reached the fake Slack,
// the most messages any channel got within one second, the shortest gap, and the 429s.
// Usage: npm run bench:notifications [-- --agents 50 --channels 10 --events 1000]
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';
import { serviceArgs } from './service-command.mjs';

const { EmbeddedDatabase } = databaseModule;
const { values } = parseArgs({ options: { agents: { type: 'string', default: '50' }, channels: { type: 'string', default: '10' }, events: { type: 'string', default: '1000' } } });
const AGENTS = Number(values.agents);
const CHANNELS = Number(values.channels);
const EVENTS = Number(values.events);
// Each run: started, then four action_taken and an outcome, all five notifying.
const NOTIFYING_PER_RUN = 5;
const RUNS_PER_AGENT = Math.ceil(EVENTS / NOTIFYING_PER_RUN / AGENTS);
const PARALLEL_RUNTIMES = 20;
const SECRET = 'benchmark-secret-that-is-long-enough-for-hs256';
const ORG = '00000000-0000-4000-8000-00000000be4d';

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'bench-owner', org_id: ORG, org_role: 'org:admin', exp: Math.floor(Date.now() / 1000) + 3600 })}`;
const owner = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;

/** Slack's limit, as the fake applies it: one message per channel per second. */
const received = new Map();
let rateLimited = 0;
const slack = createHttpServer(async (request, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  const params = new URLSearchParams(body);
  const channel = params.get('channel') ?? '';
  const json = (status, payload, headers = {}) => { response.writeHead(status, { 'content-type': 'application/json', ...headers }); response.end(JSON.stringify(payload)); };
  if (request.url === '/api/conversations.info') return json(200, { ok: true, channel: { id: channel, is_channel: true, is_member: true } });
  if (request.url !== '/api/chat.postMessage') return json(200, { ok: false, error: 'unknown_method' });
  const times = received.get(channel) ?? [];
  received.set(channel, times);
  const now = Date.now();
  // 50 ms of grace for the two clocks (the database's pacing, this server's receipt), as Slack allows short bursts.
  if (times.length > 0 && now - times.at(-1) < 950) {
    rateLimited += 1;
    return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
  }
  times.push(now);
  return json(200, { ok: true, ts: `${Math.floor(now / 1000)}.${String(times.length).padStart(6, '0')}` });
});
await new Promise((resolve) => slack.listen(0, '127.0.0.1', resolve));

const database = await EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'agentry-bench-notify-')), port: await freePort(), persistent: false });
const port = await freePort();
const app = spawn(process.execPath, serviceArgs(), {
  env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_API_URL: `http://127.0.0.1:${slack.address().port}/api/` },
  stdio: 'inherit',
});
const base = `http://127.0.0.1:${port}`;

async function call(method, path, body, apiKey) {
  const credentials = apiKey ? { 'x-api-key': apiKey } : { authorization: `Bearer ${owner}` };
  const response = await fetch(`${base}${path}`, { method, headers: { ...credentials, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const json = response.status === 204 ? undefined : await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

try {
  for (let ready = false; !ready; ) ready = await fetch(`${base}/health/ready`).then((r) => r.ok, () => false) || (await new Promise((r) => setTimeout(r, 200)), false);
  const runtime = (await call('POST', '/api/v1/api-keys', { name: 'bench runtime', role: 'runtime' })).key;
  const agents = [];
  for (let i = 0; i < AGENTS; i++) {
    const channel = `CBENCH${String(i % CHANNELS).padStart(4, '0')}`;
    const agent = await call('POST', '/api/v1/agents', { name: `Notifier ${i}`, type: 'task', instructions: 'Report.', notificationConfig: { slackChannelId: channel } });
    await call('POST', `/api/v1/agents/${agent.id}/deploy`);
    agents.push(agent.id);
  }
  for (const agentId of agents) for (let r = 0; r < RUNS_PER_AGENT; r++) await call('POST', `/api/v1/agents/${agentId}/runs`, {});
  const total = agents.length * RUNS_PER_AGENT * NOTIFYING_PER_RUN;

  console.log(`${total} notifying events from ${AGENTS} agents to ${CHANNELS} channels, ${PARALLEL_RUNTIMES} runtimes reporting...`);
  const began = Date.now();
  const worker = async () => {
    for (;;) {
      const claimed = await call('POST', '/api/v1/runtime/claim', { waitSeconds: 0 }, runtime);
      if (!claimed) return;
      const id = claimed.run.id;
      await call('POST', `/api/v1/runs/${id}/events`, { type: 'started' }, runtime);
      for (let a = 0; a < NOTIFYING_PER_RUN - 1; a++) await call('POST', `/api/v1/runs/${id}/events`, { type: 'action_taken', message: `step ${a}` }, runtime);
      await call('POST', `/api/v1/runs/${id}/events`, { type: 'outcome', output: { ok: true } }, runtime);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_RUNTIMES }, worker));
  const eventsDone = Date.now();

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  let left;
  do {
    await new Promise((r) => setTimeout(r, 1000));
    ({ rows: [{ left }] } = await client.query(`SELECT count(*) FILTER (WHERE status = 'pending')::int AS left FROM notifications`));
  } while (left > 0);
  const { rows: [counts] } = await client.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'delivered')::int AS delivered, max(attempts)::int AS "maxAttempts" FROM notifications`);
  await client.end();
  const allDelivered = Date.now();

  let peak = 0;
  let minGap = Infinity;
  for (const times of received.values()) {
    for (let i = 0; i < times.length; i++) {
      let j = i;
      while (j + 1 < times.length && times[j + 1] - times[i] < 1000) j++;
      peak = Math.max(peak, j - i + 1);
      if (i > 0) minGap = Math.min(minGap, times[i] - times[i - 1]);
    }
  }
  const delivered = [...received.values()].reduce((sum, times) => sum + times.length, 0);
  const result = {
    events: total,
    notifications: counts.n,
    delivered: counts.delivered,
    'messages received by fake Slack': delivered,
    'events reported in s': (eventsDone - began) / 1000,
    'all delivered after s': (allDelivered - began) / 1000,
    'floor at 1 msg/s/channel, s': Math.ceil(total / CHANNELS),
    'peak msgs per channel in any 1 s': peak,
    'shortest gap in a channel, ms': minGap,
    '429 answers': rateLimited,
    'most attempts of one notification': counts.maxAttempts,
  };
  console.table(result);
} finally {
  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  slack.close();
  await database.stop();
}
