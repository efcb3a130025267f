// Soak test: mixed load over every route family for a while, on a throwaway embedded PostgreSQL and the
// built service as a child process (as `npm start` runs it). Prints, per minute, the requests served,
// p50/p99 latency, unexpected answers (any 5xx, or a status the request should not get) and the service's
// RSS; the closing note compares the last minute with the second (the first warms up) and says whether
// RSS and p99 stayed flat. Not part of CI.
// Usage: npm run soak [-- --minutes 10 --workers 8]
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';
import { serviceArgs } from './service-command.mjs';

const { EmbeddedDatabase } = databaseModule;
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, workers: { type: 'string', default: '8' } } });
const MINUTES = Number(values.minutes);
const WORKERS = Number(values.workers);
const SECRET = 'soak-secret-that-is-long-enough-for-hs256-signing';
const ORG = '00000000-0000-4000-8000-0000000050a4';
/** Growth the closing note still calls flat: RSS within 15 %, p99 within 1.5× (or 5 ms, for very fast routes). */
const FLAT_RSS = 1.15;
const FLAT_P99 = 1.5;

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (sub, extra = {}) => {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, org_id: ORG, org_role: 'org:member', iat: now, exp: now + MINUTES * 60 + 3600, ...extra })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
};
const rssOf = (pid) => Math.round(Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024);
const pick = (list) => list[Math.floor(Math.random() * list.length)];

const database = await EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'agentry-soak-')), port: await freePort(), persistent: false });
const port = await freePort();
const app = spawn(process.execPath, serviceArgs(), { env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', JOBS_SWEEP_INTERVAL_MS: '1000' }, stdio: 'inherit' });
const base = `http://127.0.0.1:${port}`;
const admin = { authorization: `Bearer ${token('soak-admin', { org_role: 'org:admin' })}` };
const member = { authorization: `Bearer ${token('soak-member', { groups: ['soakers'] })}` };

/** The current minute's samples: latencies (ms) and unexpected answers. */
let minute = { latencies: [], unexpected: [] };

/** One timed request; `expected` lists the statuses it may get (anything else, and any 5xx, is counted as unexpected). */
async function call(method, path, { body, headers = admin, expected = [200, 201, 204] } = {}) {
  const began = performance.now();
  const response = await fetch(`${base}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  minute.latencies.push(performance.now() - began);
  if (response.status >= 500 || !expected.includes(response.status)) minute.unexpected.push(`${method} ${path} → ${response.status} ${text.slice(0, 200)}`);
  return response.status === 204 || text === '' ? undefined : JSON.parse(text);
}

const agents = [];
async function newAgent() {
  const created = await call('POST', '/api/v1/agents', {
    body: {
      name: `Soak ${randomBytes(3).toString('hex')}`,
      instructions: 'Summarise the day.',
      trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } },
      accessConfig: { orgAccess: 'use', grants: [{ principal: 'group:soakers', access: 'manage' }] },
      // Without SLACK_BOT_TOKEN the log transport delivers: run events still go through the outbox and the queue.
      notificationConfig: { slackChannelId: `CSOAK${randomBytes(4).toString('hex').toUpperCase()}` },
    },
  });
  await call('POST', `/api/v1/agents/${created.id}/deploy`);
  agents.push(created);
  return created;
}

/** Every route family, weighted roughly as a busy org would use them. */
const FAMILIES = [
  [5, async () => { await call('GET', '/api/v1/agents?pageSize=50', { headers: pick([admin, member]) }); }],
  [4, async () => { await call('GET', `/api/v1/agents/${pick(agents).id}`, { headers: pick([admin, member]) }); }],
  [4, async () => { await call('PATCH', `/api/v1/agents/${pick(agents).id}`, { body: { description: `at ${Date.now()}` } }); }],
  [2, async () => { await call('POST', `/api/v1/agents/${pick(agents).id}/deploy`); }],
  [2, async () => { const id = pick(agents).id; await call('GET', `/api/v1/agents/${id}/diff`); await call('GET', `/api/v1/agents/${id}/variations?pageSize=10`); }],
  [2, async () => { await call('GET', `/api/v1/agents/${pick(agents).id}/schedule`); }],
  [1, async () => { const id = pick(agents).id; await call('GET', `/api/v1/agents/${id}/notifications?pageSize=20`); await call('POST', `/api/v1/agents/${id}/notifications/test`); }],
  [1, async () => { const id = pick(agents).id; await call('POST', `/api/v1/agents/${id}/pause`, { expected: [200, 409] }); await call('POST', `/api/v1/agents/${id}/resume`, { expected: [200, 409] }); }],
  [1, async () => { await call('POST', `/api/v1/agents/${pick(agents).id}/toggle`, { body: { active: Math.random() < 0.5 } }); }],
  [1, async () => { if (agents.length < 200) await newAgent(); }],
  [4, async () => {
    // A run's whole life: start, claim, started, an action, the outcome, then read it and its agent's history.
    const agent = pick(agents);
    const run = await call('POST', `/api/v1/agents/${agent.id}/runs`, { body: { input: { day: Date.now() } }, expected: [201, 409] });
    const claimed = await call('POST', '/api/v1/runtime/claim', { body: { waitSeconds: 0 }, headers: runtime });
    if (claimed) {
      for (const event of [{ type: 'started' }, { type: 'action_taken', message: 'Read the CRM.' }, { type: 'outcome', output: { ok: true } }]) {
        await call('POST', `/api/v1/runs/${claimed.run.id}/events`, { body: event, headers: runtime, expected: [200, 409] });
      }
    }
    // A paused agent refuses the run (409, a problem document without an id).
    if (typeof run.id === 'string') await call('GET', `/api/v1/runs/${run.id}`);
    await call('GET', `/api/v1/agents/${agent.id}/runs?pageSize=20`);
  }],
  [1, async () => {
    const agent = pick(agents);
    await call('POST', `/api/v1/agents/${agent.id}/ownership-transfer`, { body: { to: 'user:soak-member' }, expected: [201, 409] });
    await call('GET', '/api/v1/ownership-transfers?direction=incoming', { headers: member });
    await call('DELETE', `/api/v1/agents/${agent.id}/ownership-transfer`, { expected: [200, 204, 404, 409] });
  }],
  [1, async () => {
    const key = await call('POST', '/api/v1/api-keys', { body: { name: 'soak', role: 'member' } });
    await call('GET', '/api/v1/api-keys');
    await call('DELETE', `/api/v1/api-keys/${key.id}`);
  }],
  [2, async () => {
    await call('GET', '/v2/chat/agents?pageSize=20');
    await call('GET', '/api/agents?page_size=20');
    const agent = pick(agents);
    await call('GET', `/v2/chat/agents/${agent.uid}`);
    await call('PATCH', `/api/agents/${agent.uid}`, { body: { description: `compat ${Date.now()}` } });
  }],
  [1, async () => { await call('POST', '/api/v1/agents', { body: { name: 'bad\u0000name' }, expected: [400] }); }],
  [1, async () => { await call('GET', '/health/ready', { headers: {} }); }],
];
const WEIGHTED = FAMILIES.flatMap(([weight, family]) => Array.from({ length: weight }, () => family));

const quantile = (sorted, q) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
let runtime;
const report = [];

try {
  for (let i = 0; i < 300; i++) {
    try { await fetch(`${base}/health/ready`).then((r) => { if (!r.ok) throw new Error(); }); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  runtime = { 'x-api-key': (await call('POST', '/api/v1/api-keys', { body: { name: 'soak runtime', role: 'runtime' } })).key };
  for (let i = 0; i < 20; i++) await newAgent();
  minute = { latencies: [], unexpected: [] };
  console.log(`soak: ${MINUTES} min, ${WORKERS} workers, every route family; per minute: requests, p50/p99, unexpected answers, service RSS`);

  const deadline = Date.now() + MINUTES * 60_000;
  let stopped = false;
  const workers = Array.from({ length: WORKERS }, async () => {
    while (!stopped) {
      try {
        await pick(WEIGHTED)();
      } catch (error) {
        minute.unexpected.push(`client error: ${error.message}`);
      }
    }
  });
  for (let index = 1; index <= MINUTES; index++) {
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(60_000, deadline - Date.now()))));
    const { latencies, unexpected } = minute;
    minute = { latencies: [], unexpected: [] };
    latencies.sort((a, b) => a - b);
    const row = { minute: index, requests: latencies.length, p50: Math.round(quantile(latencies, 0.5)), p99: Math.round(quantile(latencies, 0.99)), unexpected: unexpected.length, rss: rssOf(app.pid) };
    report.push(row);
    console.log(`minute ${String(index).padStart(2)}: ${String(row.requests).padStart(6)} requests, p50 ${row.p50} ms, p99 ${row.p99} ms, unexpected ${row.unexpected}, RSS ${row.rss} MiB`);
    for (const line of unexpected.slice(0, 3)) console.log(`  ${line}`);
  }
  stopped = true;
  await Promise.all(workers);

  const first = report[Math.min(1, report.length - 1)];
  const last = report[report.length - 1];
  const rssFlat = last.rss <= first.rss * FLAT_RSS;
  const p99Flat = last.p99 <= Math.max(first.p99 * FLAT_P99, first.p99 + 5);
  const unexpected = report.reduce((sum, row) => sum + row.unexpected, 0);
  console.log(
    `closing note: minute ${first.minute} → ${last.minute}: RSS ${first.rss} → ${last.rss} MiB (${rssFlat ? 'flat' : 'GROWING'}), p99 ${first.p99} → ${last.p99} ms (${p99Flat ? 'flat' : 'GROWING'}); ` +
      `${report.reduce((sum, row) => sum + row.requests, 0)} requests, ${unexpected} unexpected answers; ${agents.length} agents.`,
  );
  if (!rssFlat || !p99Flat || unexpected > 0) process.exitCode = 1;
} finally {
  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  await database.stop();
}
