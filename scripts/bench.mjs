// Measures the agent API under load on this machine: a throwaway embedded PostgreSQL, the built
// service as a child process (as `npm start` runs it), seeded data, then autocannon per endpoint.
// Usage: npm run bench [-- --agents 1000 --seconds 5 --connections 10]
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';
import schedulesModule from '../dist/modules/schedules/schedules.repository.js';

const { EmbeddedDatabase } = databaseModule;
const { values } = parseArgs({ options: { agents: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' }, scheduled: { type: 'string', default: '10000' } } });
const SCHEDULED = Number(values.scheduled);
const AGENTS = Number(values.agents);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const RUNTIMES = 8;
const SECRET = 'benchmark-secret-that-is-long-enough-for-hs256';
const ORG = '00000000-0000-4000-8000-00000000be4c';

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (sub, extra = {}) => {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, org_id: ORG, org_role: 'org:member', exp: Math.floor(Date.now() / 1000) + 3600, ...extra })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
};

const database = await EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'agentry-bench-')), port: await freePort(), persistent: false });
const port = await freePort();
const app = spawn(process.execPath, ['dist/main.js'], { env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', JOBS_SWEEP_INTERVAL_MS: '1000' }, stdio: 'inherit' });
const base = `http://127.0.0.1:${port}`;
const owner = token('bench-owner');
const member = token('bench-member', { groups: ['sales'] });

async function call(method, path, body, auth = owner, apiKey) {
  const credentials = apiKey ? { 'x-api-key': apiKey } : { authorization: `Bearer ${auth}` };
  const response = await fetch(`${base}${path}`, { method, headers: { ...credentials, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (response.status === 204) return undefined;
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * RUNTIMES loops for SECONDS, each: queue a run (not timed), then claim → started → outcome (timed).
 * Returns completed round trips per second and the round trip's p50/p99.
 */
async function runtimeRoundTrips(agentId, apiKey) {
  const deadline = Date.now() + SECONDS * 1000;
  const latencies = [];
  const runtime = async () => {
    while (Date.now() < deadline) {
      await call('POST', `/api/v1/agents/${agentId}/runs`, { input: { n: latencies.length } });
      const began = performance.now();
      const claimed = await call('POST', '/api/v1/runtime/claim', { waitSeconds: 0 }, undefined, apiKey);
      if (!claimed) continue;
      await call('POST', `/api/v1/runs/${claimed.run.id}/events`, { type: 'started' }, undefined, apiKey);
      await call('POST', `/api/v1/runs/${claimed.run.id}/events`, { type: 'outcome', output: claimed.run.input }, undefined, apiKey);
      latencies.push(performance.now() - began);
    }
  };
  await Promise.all(Array.from({ length: RUNTIMES }, runtime));
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  return { endpoint: `claim → started → outcome (${RUNTIMES} runtimes)`, 'req/s': Math.round(latencies.length / SECONDS), 'p50 ms': at(0.5), 'p99 ms': at(0.99), errors: 0 };
}

function run(title, options) {
  const credentials = options.apiKey ? { 'x-api-key': options.apiKey } : { authorization: `Bearer ${options.auth ?? owner}` };
  return new Promise((resolve, reject) => {
    autocannon({ url: `${base}${options.path}`, method: options.method ?? 'GET', connections: CONNECTIONS, duration: SECONDS, headers: { ...credentials, 'content-type': 'application/json' }, body: options.body && JSON.stringify(options.body) }, (error, result) => {
      if (error) return reject(error);
      const bad = result.non2xx + result.errors;
      resolve({ endpoint: title, 'req/s': Math.round(result.requests.average), 'p50 ms': result.latency.p50, 'p99 ms': result.latency.p99, errors: bad });
    });
  });
}

const rssOf = (pid) => Math.round(Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024);

try {
  for (let i = 0; i < 300; i++) {
    try { await fetch(`${base}/health/ready`).then((r) => { if (!r.ok) throw new Error(); }); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  const started = Date.now();
  const ids = [];
  for (let i = 0; i < AGENTS; i += 25) {
    const batch = Array.from({ length: Math.min(25, AGENTS - i) }, (_, k) => call('POST', '/api/v1/agents', {
      name: `Agent ${i + k}`, type: 'task', instructions: 'Summarise the day.',
      accessConfig: { grants: (i + k) % 4 === 0 ? [{ principal: 'group:sales', access: 'use' }] : [{ principal: `user:someone-${i + k}`, access: 'manage' }] },
    }));
    ids.push(...(await Promise.all(batch)).map((a) => a.id));
  }
  const fresh = ids[0];
  const historied = ids[1];
  for (let v = 0; v < 100; v++) {
    await call('PATCH', `/api/v1/agents/${historied}`, { description: `revision ${v}` });
    await call('POST', `/api/v1/agents/${historied}/deploy`);
  }
  console.log(`seeded ${AGENTS} agents and 100 versions of agent ${historied} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const results = [];
  results.push(await run('GET /agents/{id}', { path: `/api/v1/agents/${fresh}` }));
  results.push(await run('GET /agents (owner, 50/page)', { path: '/api/v1/agents?pageSize=50' }));
  results.push(await run('GET /agents (group member, 50/page)', { path: '/api/v1/agents?pageSize=50', auth: member }));
  results.push(await run('GET /agents?q=Agent 99', { path: '/api/v1/agents?q=Agent%2099' }));
  results.push(await run('PATCH, 1 version', { method: 'PATCH', path: `/api/v1/agents/${fresh}`, body: { role: 'Analyst' } }));
  results.push(await run('PATCH, 100 versions', { method: 'PATCH', path: `/api/v1/agents/${historied}`, body: { role: 'Analyst' } }));

  const admin = token('bench-admin', { org_role: 'org:admin' });
  const { key: runtimeKey } = await call('POST', '/api/v1/api-keys', { name: 'bench runtime', role: 'runtime' }, admin);
  await call('POST', `/api/v1/agents/${fresh}/deploy`);
  results.push(await runtimeRoundTrips(fresh, runtimeKey));
  await call('POST', `/api/v1/agents/${fresh}/runs`, { input: 'events' });
  const held = await call('POST', '/api/v1/runtime/claim', { waitSeconds: 5 }, undefined, runtimeKey);
  await call('POST', `/api/v1/runs/${held.run.id}/events`, { type: 'started' }, undefined, runtimeKey);
  results.push(await run('POST /runs/{id}/events (action_taken)', { method: 'POST', path: `/api/v1/runs/${held.run.id}/events`, apiKey: runtimeKey, body: { type: 'action_taken', message: 'step' } }));
  console.table(results);

  // Schedules: SCHEDULED agents with every-minute schedules, cloned in SQL from one made through the API.
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  try {
    const template = await call('POST', '/api/v1/agents', { name: 'Scheduled', instructions: 'Tick.', trigger: { type: 'schedule', schedule: { cron: '* * * * *', timezone: 'UTC' } } });
    await call('POST', `/api/v1/agents/${template.id}/deploy`);
    await sql.query(
      `WITH src AS (SELECT a.*, v.content, v.content_hash FROM agents a JOIN variations v ON v.id = a.active_variation_id WHERE a.id = $1),
         ids AS (SELECT g, gen_random_uuid() AS vid FROM generate_series(2, $2) g),
         made AS (
           INSERT INTO agents (uid, org_id, slug, status, name, type, owner, org_access, is_schedule_active, next_run_at, active_variation_id,
             has_unpublished_changes, latest_version, created_by)
           SELECT gen_random_uuid(), src.org_id, 'scheduled-' || ids.g, 'active', src.name, src.type, src.owner, src.org_access, true,
             now() + interval '1 day', ids.vid, false, 1, src.created_by
           FROM src, ids RETURNING id, active_variation_id)
       INSERT INTO variations (id, agent_id, state, version, content, content_hash, created_by, published_at)
       SELECT made.active_variation_id, made.id, 'published', 1, src.content, src.content_hash, 'bench', now() FROM made, src`,
      [template.id, SCHEDULED],
    );
    await sql.query('ANALYZE agents');
    const plan = async () => (await sql.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${schedulesModule.DUE_AGENTS_SQL.replace('FOR UPDATE OF a SKIP LOCKED', '')}`, [500])).rows[0]['QUERY PLAN'][0];
    const idle = await plan();
    const usesDueIndex = JSON.stringify(idle.Plan).includes('agents_due_ticks_idx');
    const began = Date.now();
    await sql.query(`UPDATE agents SET next_run_at = date_trunc('minute', now()) WHERE is_schedule_active`);
    for (;;) {
      const { rows } = await sql.query(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'schedule'`);
      if (rows[0].n >= SCHEDULED) break;
      if (Date.now() - began > 120_000) throw new Error(`only ${rows[0].n} scheduled runs after 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const tookMs = Date.now() - began;
    console.log(`schedules: ${SCHEDULED} every-minute agents due at once → all runs created ${tookMs} ms after the ticks were due (sweep every 1 s, batches of 500)`);
    console.log(`schedules: the due-tick query with nothing due: ${idle['Execution Time'].toFixed(3)} ms execution, ${idle['Planning Time'].toFixed(3)} ms planning, uses agents_due_ticks_idx: ${usesDueIndex}`);
  } finally {
    await sql.end();
  }
  console.log(`service RSS after the run: ${rssOf(app.pid)} MiB (${CONNECTIONS} connections, ${SECONDS} s per endpoint, ${AGENTS} agents)`);
} finally {
  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  await database.stop();
}
