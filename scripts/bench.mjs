// Measures the service's hot paths against a floor (bench/floor-server.mjs: plain Fastify + pg doing
// only the SQL each operation needs) on one throwaway embedded PostgreSQL. Both are loaded with
// autocannon, alternating service/floor operation by operation over several rounds, so a noisy shared
// machine slows both alike; the medians and their ratio are what count. Writes bench/results.json.
// Usage: npm run bench [-- --seconds 5 --rounds 3 --connections 32 --agents 1000 --large 100000 --scheduled 100000 --plan-agents 1000000]
// `--only events` runs only the event log's part (scripts/bench-events.mjs) and adds it to the existing results;
// `--only metrics` likewise the scrape cost of GET /metrics with --metrics-runs runs (scripts/bench-metrics.mjs).
// `--only webhooks` the webhook delivery part (scripts/bench-webhooks.mjs), likewise.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { serviceArgs } from './service-command.mjs';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';
import schedulesModule from '../dist/modules/schedules/schedules.repository.js';
import agentsModule from '../dist/modules/agents/agents.repository.js';
import runsModule from '../dist/modules/runs/runs.repository.js';
import { benchEvents } from './bench-events.mjs';
import { benchMetrics } from './bench-metrics.mjs';

const { EmbeddedDatabase } = databaseModule;
const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    large: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    scheduled: { type: 'string', default: '100000' },
    'plan-agents': { type: 'string', default: '1000000' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/results.json' },
    streams: { type: 'string', default: '1000' },
    'events-per-second': { type: 'string', default: '200' },
    'stream-seconds': { type: 'string', default: '20' },
    'log-events': { type: 'string', default: '1000000' },
    'events-parts': { type: 'string', default: 'cost,streams,audit' },
    'metrics-runs': { type: 'string', default: '100000' },
  },
});
const AGENTS = Number(values.agents);
const LARGE = Number(values.large);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const SCHEDULED = Number(values.scheduled);
const PLAN_AGENTS = Number(values['plan-agents']);
// SPEC's claim target is stated for 8 runtimes polling at once: 8 connections, each a claim then its `started`.
const RUNTIMES = 8;
const POOL_SIZE = Number(process.env.BENCH_POOL ?? 10); // the service's default DB_POOL_SIZE; the floor gets the same
const SECRET = 'benchmark-secret-that-is-long-enough-for-hs256';
const ORG = '00000000-0000-4000-8000-00000000be4c';
const OWNER = 'bench-owner';
const OWNER_SUBJECT = `user:${OWNER}`; // how the service names a JWT's subject
// The service runs as deployed: request logging at its default level, its JSON lines discarded.
const SERVICE_LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const EVENTS_ONLY = values.only === 'events';
const METRICS_ONLY = values.only === 'metrics';
/** A part that adds its own section to the results already there. */
const PART_ONLY = EVENTS_ONLY || METRICS_ONLY;

// `--only webhooks`: the webhook part alone (scripts/bench-webhooks.mjs, its own database and service), added to the results.
if (values.only === 'webhooks') {
  const child = spawn(process.execPath, ['scripts/bench-webhooks.mjs', '--out', values.out], { stdio: 'inherit' });
  process.exit(await new Promise((resolve) => child.once('exit', resolve)));
}

/**
 * The floor of a schedule tick: the same rows the sweep writes for every due agent (its run, its next
 * tick and last tick, runsCount, a run.queued event), by one hand-written INSERT … SELECT, the next
 * tick computed in SQL (right for an every-minute cron only), the overlap rule kept, no NOTIFY, no
 * Node between statements. One statement per FLOOR_BATCH agents, one after the other: as one
 * statement of 100,000 rows it ran for over six minutes on this machine (8,000 rows: 2.3 s), which
 * would flatter the service. Its clock runs two days ahead: the agents wait a day ahead, so no
 * service sweep takes them, and this statement finds them due through the same index range.
 */
const FLOOR_BATCH = 2500; // the sweep's batch
const FLOOR_TICK_SQL = `WITH due AS (
    SELECT a.id, a.org_id, a.active_variation_id, v.version, capacity_limited(v.content) AS limited, a.next_run_at FROM agents a JOIN variations v ON v.id = a.active_variation_id
    WHERE a.next_run_at <= now() + interval '2 days' AND a.status = 'active' AND a.is_schedule_active
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.agent_id = a.id AND r.status IN ('queued', 'running') AND r.trigger = 'schedule')
    ORDER BY a.next_run_at LIMIT $1
    FOR UPDATE OF a),
  created AS (
    INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, capacity_limited, status, trigger, scheduled_for, created_by)
    SELECT gen_random_uuid(), org_id, id, active_variation_id, version, limited, 'queued', 'schedule', next_run_at, 'schedule' FROM due
    RETURNING id, org_id, agent_id, variation_version, scheduled_for),
  advanced AS (
    UPDATE agents a SET next_run_at = now() + interval '3 days', last_tick_at = c.scheduled_for, last_tick_run_id = c.id, runs_count = a.runs_count + 1
    FROM created c WHERE a.id = c.agent_id),
  logged AS (
    INSERT INTO events (type, org_id, agent_id, run_id, actor_subject, actor_kind, request_id, data)
    SELECT 'run.queued', org_id, agent_id, id, 'system', 'system', NULL,
      jsonb_build_object('trigger', 'schedule', 'version', variation_version, 'scheduledFor', to_char(scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    FROM created)
  SELECT count(*)::int AS n FROM created`;

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (sub, extra = {}) => {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, org_id: ORG, org_role: 'org:member', exp: Math.floor(Date.now() / 1000) + 7200, ...extra })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
};
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
/** CPU seconds (user + system) the process has used so far. */
const cpuOf = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const rssOf = (pid) => Math.round(Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(url) {
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch(url)).ok) return; } catch { /* not up yet */ }
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'agentry-bench-'));
const database = await EmbeddedDatabase.start({ dataDir, port: await freePort(), persistent: false });
const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
/** CPU seconds PostgreSQL has used so far: the postmaster, its exited children and its live backends. */
const postgresCpu = () => {
  const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const own = stat(postmaster);
  let seconds = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / 100;
  for (const pid of readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
    try { seconds += cpuOf(pid); } catch { /* exited meanwhile */ }
  }
  return seconds;
};
const servicePort = await freePort();
const floorPort = await freePort();
// The service starts as `npm run start:prod` starts it (its heap budget included), BENCH_NODE_ARGS first.
const extraArgs = [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])];
const app = spawn(process.execPath, [...extraArgs, ...serviceArgs()], {
  env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(servicePort), HOST: '127.0.0.1', LOG_LEVEL: SERVICE_LOG_LEVEL, DB_POOL_SIZE: String(POOL_SIZE), RUN_LEASE_SECONDS: '3600', JOBS_SWEEP_INTERVAL_MS: '1000', SWAGGER_ENABLED: 'false',
    // The streams part opens all its streams (and one observer) as one caller on one instance: the limit is per caller per instance.
    STREAM_MAX_PER_PRINCIPAL: String(Number(values.streams) + 1),
    // The metrics and streams parts read /metrics without a token: an empty one here wins over a .env's.
    METRICS_TOKEN: '' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let floor;
const serviceBase = `http://127.0.0.1:${servicePort}`;
const floorBase = `http://127.0.0.1:${floorPort}`;
const owner = token(OWNER);

async function call(method, path, body, auth = owner) {
  const response = await fetch(`${serviceBase}${path}`, { method, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (response.status === 204) return undefined;
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** One autocannon load; `requests` is autocannon's request list (a sequence each connection repeats). */
function load(base, { requests, headers = {}, connections = CONNECTIONS }, seconds, pid, onSample) {
  return new Promise((resolve, reject) => {
    const sampler = onSample && setInterval(onSample, 250);
    const cpuBefore = cpuOf(pid);
    const postgresBefore = postgresCpu();
    autocannon({ url: base, connections, duration: seconds, headers: { 'content-type': 'application/json', ...headers }, requests }, (error, result) => {
      if (sampler) clearInterval(sampler);
      if (error) return reject(error);
      const cpu = Math.round((100 * (cpuOf(pid) - cpuBefore)) / seconds);
      const postgres = Math.round((100 * (postgresCpu() - postgresBefore)) / seconds);
      resolve({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts, cpu, postgres });
    });
  });
}

// Requests rotate over `targets` agents, one counter per load, so concurrent writes rarely meet on a row.
let loads = 0;
const rotating = (targets, build) => () => {
  let n = 0;
  return [{ setupRequest: (request) => ({ ...request, ...build(targets[n++ % targets.length], n) }) }];
};

const sql = new pg.Client({ connectionString: database.url });
let peakRss = 0;
const sampleRss = () => { try { peakRss = Math.max(peakRss, rssOf(app.pid)); } catch { /* exited */ } };

/** Tops the queue up to `count` claimable runs, inserted directly, so it never runs dry during a load. */
async function fillQueue(agentId, count) {
  const { rows: [{ n }] } = await sql.query(`SELECT count(*)::int AS n FROM runs WHERE org_id = $1 AND status = 'queued' AND lease_expires_at IS NULL`, [ORG]);
  if (n >= count) return;
  await sql.query(
    `INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, status, trigger, input, created_by)
     SELECT gen_random_uuid(), a.org_id, a.id, a.active_variation_id, a.latest_version, 'queued', 'manual', '{"n":1}', 'bench'
     FROM agents a, generate_series(1, $2) WHERE a.id = $1`,
    [agentId, count - n],
  );
}

/** Clones agents owned by the benchmark's owner (with a draft and a grant each) until the org holds `total`. */
async function growOrg(total) {
  const { rows: [{ n }] } = await sql.query(`SELECT count(*)::int AS n FROM agents WHERE org_id = $1`, [ORG]);
  if (n >= total) return;
  await sql.query(
    `WITH made AS (
       INSERT INTO agents (uid, org_id, slug, status, name, type, owner, org_access, draft_variation_id, created_by)
       SELECT gen_random_uuid(), $1, 'bulk-' || g, 'draft', 'Bulk agent ' || g, 'task', $2, 'none', gen_random_uuid(), $2
       FROM generate_series(1, $3) g RETURNING id, draft_variation_id),
     grants AS (INSERT INTO agent_grants (agent_id, position, principal, access) SELECT id, 1, 'group:sales', 'use' FROM made)
     INSERT INTO variations (id, agent_id, state, content, content_hash, created_by)
     SELECT made.draft_variation_id, made.id, 'draft', v.content, v.content_hash, $2
     FROM made, (SELECT content, content_hash FROM variations WHERE agent_id = (SELECT min(id) FROM agents WHERE org_id = $1) LIMIT 1) v`,
    [ORG, OWNER_SUBJECT, total - n],
  );
  await sql.query('VACUUM ANALYZE agents');
  await sql.query('VACUUM ANALYZE agent_grants');
  await sql.query('VACUUM ANALYZE variations');
}

/** Alternates service and floor per operation, `rounds` times (the order flips every round); returns medians. */
async function compare(operations, rounds) {
  const samples = new Map(operations.map((op) => [op.name, { service: [], floor: [] }]));
  for (const op of operations) {
    for (const side of ['service', 'floor']) {
      await op.before?.();
      await load(side === 'service' ? serviceBase : floorBase, op[side](), WARMUP, side === 'service' ? app.pid : floor.pid);
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const op of operations) {
      for (const side of round % 2 === 0 ? ['service', 'floor'] : ['floor', 'service']) {
        await op.before?.();
        const result = await load(side === 'service' ? serviceBase : floorBase, op[side](), SECONDS, side === 'service' ? app.pid : floor.pid, side === 'service' ? sampleRss : undefined);
        samples.get(op.name)[side].push(result);
        process.stdout.write(`  round ${round + 1} ${op.name} ${side}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, CPU ${result.cpu}% of a core, PostgreSQL ${result.postgres}%${result.bad ? `, ${result.bad} non-2xx/errors` : ''}\n`);
      }
    }
  }
  return operations.map((op) => {
    const summary = (side) => {
      const s = samples.get(op.name)[side];
      return { reqPerSec: Math.round(median(s.map((r) => r.rps))), p50Ms: median(s.map((r) => r.p50)), p99Ms: median(s.map((r) => r.p99)), non2xx: s.reduce((sum, r) => sum + r.bad, 0), cpuPercentOfCore: median(s.map((r) => r.cpu)), postgresCpuPercentOfCore: median(s.map((r) => r.postgres)), rounds: s.map((r) => Math.round(r.rps)) };
    };
    const service = summary('service');
    const floorSide = summary('floor');
    return { operation: op.name, service, floor: floorSide, ratio: Number((service.reqPerSec / floorSide.reqPerSec).toFixed(2)), target: op.target ?? null,
      p99Ratio: Number((service.p99Ms / Math.max(1, floorSide.p99Ms)).toFixed(2)), p99Target: op.p99Target ?? null };
  });
}

const fmtTable = (rows) => [
  '| Operation | service req/s | floor req/s | ratio | target | service p50 / p99 ms | floor p50 / p99 ms | p99 ratio (target) | non-2xx |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.operation} | ${r.service.reqPerSec} | ${r.floor.reqPerSec} | **${r.ratio.toFixed(2)}×** | ${r.target ? `≥ ${r.target}×` : ''} | ${r.service.p50Ms} / ${r.service.p99Ms} | ${r.floor.p50Ms} / ${r.floor.p99Ms} | ${r.p99Ratio}×${r.p99Target ? ` (≤ ${r.p99Target}×)` : ''} | ${r.service.non2xx + r.floor.non2xx} |`),
].join('\n');

try {
  await waitFor(`${serviceBase}/health/ready`);
  await sql.connect();
  // The floor runs with the service's node flags (its heap budget): both sides on the same runtime settings.
  floor = spawn(process.execPath, [...serviceArgs().slice(0, -1), 'bench/floor-server.mjs'], { env: { ...process.env, DATABASE_URL: database.url, PORT: String(floorPort), ORG_ID: ORG, DB_POOL_SIZE: String(POOL_SIZE) }, stdio: 'inherit' });
  await waitFor(`${floorBase}/health`);

  const started = Date.now();
  const ids = [];
  for (let i = 0; i < AGENTS; i += 25) {
    const batch = Array.from({ length: Math.min(25, AGENTS - i) }, (_, k) => call('POST', '/api/v1/agents', {
      name: `Agent ${i + k}`, type: 'task', instructions: 'Summarise the day.',
      accessConfig: { grants: (i + k) % 4 === 0 ? [{ principal: 'group:sales', access: 'use' }] : [{ principal: `user:someone-${i + k}`, access: 'manage' }] },
    }));
    ids.push(...(await Promise.all(batch)).map((a) => a.id));
  }
  const runner = ids[0];
  await call('POST', `/api/v1/agents/${runner}/deploy`);
  const admin = token('bench-admin', { org_role: 'org:admin' });
  const { key: runtimeKey } = await call('POST', '/api/v1/api-keys', { name: 'bench runtime', role: 'runtime' }, admin);
  const targets = ids.slice(1); // drafts, never deployed: a PATCH writes the draft each time
  console.log(`seeded ${AGENTS} agents in ${((Date.now() - started) / 1000).toFixed(1)} s; ${CONNECTIONS} connections, ${SECONDS} s per load, ${ROUNDS} rounds, service LOG_LEVEL=${SERVICE_LOG_LEVEL}`);

  const bearer = { authorization: `Bearer ${owner}` };
  const runsPerLoad = 60_000;
  const allOperations = [
    {
      name: 'GET /health/live (framework only)',
      service: () => ({ requests: [{ method: 'GET', path: '/health/live' }] }),
      floor: () => ({ requests: [{ method: 'GET', path: '/health' }] }),
    },
    {
      name: 'GET one agent',
      target: 0.9,
      p99Target: 1.5,
      service: () => ({ headers: bearer, requests: rotating(targets, (id) => ({ method: 'GET', path: `/api/v1/agents/${id}` }))() }),
      floor: () => ({ requests: rotating(targets, (id) => ({ method: 'GET', path: `/agents/${id}` }))() }),
    },
    {
      name: 'PATCH (updateMask=description)',
      target: 0.9,
      p99Target: 1.5,
      // Each load's descriptions are its own: one that repeated an earlier load's would find the agent
      // already so and write nothing (no draft, no event), so later loads would do less work.
      service: () => { const load = ++loads; return { headers: bearer, requests: rotating(targets, (id, n) => ({ method: 'PATCH', path: `/api/v1/agents/${id}?updateMask=description`, body: JSON.stringify({ description: `revision ${load}.${n}` }) }))() }; },
      floor: () => { const load = ++loads; return { requests: rotating(targets, (id, n) => ({ method: 'PATCH', path: `/agents/${id}`, body: JSON.stringify({ description: `revision ${load}.${n}` }) }))() }; },
    },
    {
      name: 'GET /agents (page of 50)',
      target: 0.9,
      p99Target: 1.5,
      service: () => ({ headers: bearer, requests: [{ method: 'GET', path: '/api/v1/agents?pageSize=50' }] }),
      floor: () => ({ requests: [{ method: 'GET', path: `/agents?pageSize=50&subject=${OWNER_SUBJECT}&principals=${OWNER_SUBJECT}` }] }),
    },
    {
      name: 'claim + started event, 8 runtimes',
      target: 0.9,
      before: () => fillQueue(runner, runsPerLoad),
      service: () => ({
        connections: RUNTIMES,
        headers: { 'x-api-key': runtimeKey },
        requests: [
          { method: 'POST', path: '/api/v1/runtime/claim', body: JSON.stringify({ waitSeconds: 0 }), onResponse: (status, body, context) => { context.runId = status === 200 ? JSON.parse(body).run.id : 'none'; } },
          { method: 'POST', body: JSON.stringify({ type: 'started' }), setupRequest: (request, context) => ({ ...request, path: `/api/v1/runs/${context.runId}/events` }) },
        ],
      }),
      floor: () => ({
        connections: RUNTIMES,
        headers: { 'x-api-key': runtimeKey },
        requests: [
          { method: 'POST', path: '/claim', body: '{}', onResponse: (status, body, context) => { context.runId = status === 200 ? JSON.parse(body).id : 'none'; } },
          { method: 'POST', body: JSON.stringify({ type: 'started' }), setupRequest: (request, context) => ({ ...request, path: `/runs/${context.runId}/events` }) },
        ],
      }),
    },
  ];
  const operations = PART_ONLY ? [] : allOperations.filter((op) => !values.only || op.name.includes(values.only));

  const results = await compare(operations, ROUNDS);
  const rssAfter = rssOf(app.pid);
  if (results.length > 0) {
    console.log(`\n${fmtTable(results)}\n`);
    console.log(`service RSS: peak ${peakRss} MiB under load, ${rssAfter} MiB after`);
  }

  // The list again with the org grown to LARGE agents: keyset pages must stay index scans.
  let listScaling = null;
  const listOp = operations.find((op) => op.name.startsWith('GET /agents'));
  if (LARGE > 0 && listOp) {
    const small = results.find((r) => r.operation === listOp.name);
    const t = Date.now();
    await growOrg(LARGE);
    console.log(`grew the org to ${LARGE} agents in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const plan = await listPlan();
    console.log(`the service's list query at ${LARGE} agents: ${plan.executionMs} ms, ${plan.scan}${plan.sorts ? ', with a Sort' : ''}`);
    const [large] = await compare([{ ...listOp, name: `${listOp.name}, ${LARGE} agents` }], ROUNDS);
    listScaling = {
      agentsSmall: AGENTS, agentsLarge: LARGE,
      serviceP99Small: small.service.p99Ms, serviceP99Large: large.service.p99Ms,
      p99Ratio: Number((large.service.p99Ms / small.service.p99Ms).toFixed(2)),
      plan,
      large,
    };
    console.log(`list p99 with ${AGENTS} agents: ${small.service.p99Ms} ms; with ${LARGE}: ${large.service.p99Ms} ms (${listScaling.p99Ratio}×, target ≤ 1.2×); ratio to the floor at ${LARGE}: ${large.ratio}×`);
  }

  let schedules = null;
  let claimPlan = null;
  if (SCHEDULED > 0 && !PART_ONLY) {
    schedules = await scheduleSweep();
    claimPlan = await queuedClaimPlan();
  }

  let events = null;
  if (!values.only || EVENTS_ONLY) {
    events = await benchEvents({
      sql, load, median, rssOf, cpuOf, servicePid: app.pid, serviceBase, org: ORG, owner, targets,
      writes: allOperations.filter((op) => op.name.startsWith('PATCH') || op.name.startsWith('claim')),
      rounds: ROUNDS, seconds: SECONDS, warmup: WARMUP, streams: Number(values.streams), eventsPerSecond: Number(values['events-per-second']),
      streamSeconds: Number(values['stream-seconds']), logEvents: Number(values['log-events']), parts: values['events-parts'].split(','),
    });
  }

  // Last: it fills the runs table, which the parts above must not see.
  let metrics = null;
  if (!values.only || METRICS_ONLY) {
    metrics = await benchMetrics({ sql, serviceBase, servicePid: app.pid, cpuOf, median, agentId: runner, runs: Number(values['metrics-runs']) });
  }

  // A part-only run adds its section to the results already there (none yet: a file of its own).
  const previous = PART_ONLY && existsSync(values.out) ? JSON.parse(readFileSync(values.out, 'utf8')) : {};
  const output = EVENTS_ONLY ? { ...previous, events } : METRICS_ONLY ? { ...previous, metrics } : {
    ranAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: { connections: CONNECTIONS, secondsPerLoad: SECONDS, rounds: ROUNDS, agents: AGENTS, dbPoolSize: POOL_SIZE, serviceLogLevel: SERVICE_LOG_LEVEL },
    operations: results,
    rss: { peakUnderLoadMiB: peakRss, afterMiB: rssAfter, targetMiB: 250 },
    listScaling,
    schedules,
    claimPlan,
    events,
    metrics,
  };
  writeFileSync(values.out, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
} finally {
  floor?.kill('SIGTERM');
  app.kill('SIGTERM');
  await new Promise((resolve) => (app.exitCode !== null ? resolve() : app.once('exit', resolve)));
  await sql.end().catch(() => {});
  await database.stop();
}

/** EXPLAIN ANALYZE of the SQL the service's repository builds for the owner's first page. */
async function listPlan() {
  let captured;
  await new agentsModule.AgentsRepository().list({ query: async (text, params) => { captured = { text, params }; return []; } }, {
    orgId: ORG, visibleTo: { subject: OWNER_SUBJECT, principals: [OWNER_SUBJECT] }, showDeleted: false, limit: 51,
  });
  const { rows } = await sql.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${captured.text}`, captured.params);
  const tree = rows[0]['QUERY PLAN'][0];
  // The main plan's nodes: the grants and transfer subplans have scans and sorts of their own.
  const main = [];
  const walk = (node) => {
    main.push(node);
    for (const child of node.Plans ?? []) if (!['SubPlan', 'InitPlan'].includes(child['Parent Relationship'])) walk(child);
  };
  walk(tree.Plan);
  const scan = main.find((node) => node['Relation Name'] === 'agents');
  return {
    executionMs: Number(tree['Execution Time'].toFixed(3)),
    scan: scan ? `${scan['Node Type']}${scan['Index Name'] ? ` using ${scan['Index Name']}` : ''}` : 'no scan of agents',
    sorts: main.some((node) => node['Node Type'].endsWith('Sort')),
  };
}

/** Starts one more service instance on the same database (the schedules part runs two, as a deployment would). */
async function startInstance() {
  const port = await freePort();
  const child = spawn(process.execPath, serviceArgs(), {
    env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: SERVICE_LOG_LEVEL, DB_POOL_SIZE: String(POOL_SIZE), JOBS_SWEEP_INTERVAL_MS: '1000', SWAGGER_ENABLED: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(`http://127.0.0.1:${port}/health/ready`);
  return child;
}


/**
 * SCHEDULED agents with every-minute schedules (cloned in SQL from one made through the API) fall due
 * at one tick, with two service instances sweeping; the time from the tick until 10,000 and until all
 * runs are committed, against the floor's one statement, alternating rounds. Then the due-tick
 * statements' plans with PLAN_AGENTS agents of which 1 % are due.
 */
async function scheduleSweep() {
  const second = await startInstance();
  try {
    const template = await call('POST', '/api/v1/agents', { name: 'Scheduled', instructions: 'Tick.', trigger: { type: 'schedule', schedule: { cron: '* * * * *', timezone: 'UTC' } } });
    await call('POST', `/api/v1/agents/${template.id}/deploy`);
    const seeded = Date.now();
    await sql.query(
      `WITH src AS (SELECT a.*, v.content, v.content_hash FROM agents a JOIN variations v ON v.id = a.active_variation_id WHERE a.id = $1),
         ids AS (SELECT g, gen_random_uuid() AS vid FROM generate_series(2, $2) g),
         made AS (
           INSERT INTO agents (uid, org_id, slug, status, name, type, owner, org_access, is_schedule_active, next_run_at, active_variation_id,
             has_unpublished_changes, latest_version, created_by)
           SELECT gen_random_uuid(), src.org_id, 'scheduled-clone-' || ids.g, 'active', src.name, src.type, src.owner, src.org_access, true,
             now() + interval '1 day', ids.vid, false, 1, src.created_by
           FROM src, ids RETURNING id, active_variation_id)
       INSERT INTO variations (id, agent_id, state, version, content, content_hash, created_by, published_at)
       SELECT made.active_variation_id, made.id, 'published', 1, src.content, src.content_hash, 'bench', now() FROM made, src`,
      [template.id, SCHEDULED],
    );
    await sql.query(`UPDATE agents SET next_run_at = now() + interval '1 day' WHERE id = $1`, [template.id]);
    console.log(`schedules: ${SCHEDULED} every-minute agents seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s; two service instances`);
    const scheduledCount = async () => (await sql.query(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'schedule'`)).rows[0].n;
    /** Back to no scheduled runs and nothing due, vacuumed, so every round starts alike. */
    let updateMs = 0;
    const reset = async () => {
      // Nothing due first (this waits for a batch in flight, say the next minute's tick), then no runs.
      const began = Date.now();
      await sql.query(`UPDATE agents SET next_run_at = now() + interval '1 day', last_tick_at = NULL, last_tick_run_id = NULL WHERE is_schedule_active`);
      updateMs = Date.now() - began;
      await sql.query(`DELETE FROM runs WHERE trigger = 'schedule'`);
      await sql.query(`DELETE FROM events WHERE type IN ('run.queued', 'schedule.tick_skipped', 'schedule.tick_missed')`);
      for (const table of ['runs', 'events', 'agents']) await sql.query(`VACUUM ANALYZE ${table}`);
    };
    const listener = new pg.Client({ connectionString: database.url });
    listener.on('error', () => { /* the database stops when the bench ends */ });
    await listener.connect();
    await listener.query(`LISTEN agentry_run_queue`);
    const serviceRound = async () => {
      // A tick ahead by three times what the same UPDATE took last, on a whole second as a cron's minute is; the UPDATE commits before it.
      const tick = Math.ceil((Date.now() + 1000 + 3 * updateMs) / 1000) * 1000;
      await sql.query(`UPDATE agents SET next_run_at = $1 WHERE is_schedule_active`, [new Date(tick)]);
      if (Date.now() >= tick) throw new Error('making the agents due took longer than the margin before their tick');
      let first10k = null;
      for (;;) {
        // Each batch's commit NOTIFYs the org's claimants; count what is committed when one arrives (or every half second).
        await new Promise((resolve) => { const done = () => { clearTimeout(timer); listener.off('notification', done); resolve(); }; const timer = setTimeout(done, 500); listener.on('notification', done); });
        const n = await scheduledCount();
        const at = Date.now() - tick;
        if (first10k === null && n >= Math.min(10_000, SCHEDULED)) first10k = at;
        if (n >= SCHEDULED) return { tenThousandMs: first10k, allMs: at };
        if (at > 300_000) throw new Error(`only ${n} scheduled runs 300 s after the tick`);
      }
    };
    const floorRound = async () => {
      const began = Date.now();
      let total = 0;
      for (let n = FLOOR_BATCH; n === FLOOR_BATCH; total += n) ({ rows: [{ n }] } = await sql.query(FLOOR_TICK_SQL, [FLOOR_BATCH]));
      const ms = Date.now() - began;
      if (total !== SCHEDULED) throw new Error(`the floor created ${total} runs, not ${SCHEDULED}`);
      return { allMs: ms };
    };
    const samples = { service: [], floor: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? ['service', 'floor'] : ['floor', 'service']) {
        await reset();
        const result = side === 'service' ? await serviceRound() : await floorRound();
        samples[side].push(result);
        console.log(`  round ${round + 1} schedules ${side}: ${side === 'service' ? `10,000 runs ${result.tenThousandMs} ms, all ${SCHEDULED} ${result.allMs} ms after the tick` : `all ${SCHEDULED} in ${result.allMs} ms`}`);
      }
    }
    // Every run exactly once, counted and logged (the last service round's).
    await reset();
    const check = await serviceRound();
    const { rows: [exact] } = await sql.query(
      `SELECT (SELECT count(*) FROM runs WHERE trigger = 'schedule')::int AS runs,
         (SELECT count(*) FROM (SELECT 1 FROM runs WHERE trigger = 'schedule' GROUP BY agent_id, scheduled_for HAVING count(*) > 1) d)::int AS duplicates,
         (SELECT count(*) FROM events WHERE type = 'run.queued')::int AS events,
         (SELECT count(*) FROM agents WHERE is_schedule_active AND next_run_at <= now())::int AS "stillDue"`,
    );
    const service = { tenThousandMs: median(samples.service.map((s) => s.tenThousandMs)), allMs: median(samples.service.map((s) => s.allMs)), rounds: samples.service };
    const floorSide = { allMs: median(samples.floor.map((s) => s.allMs)), rounds: samples.floor };
    const plans = PLAN_AGENTS > 0 ? await dueTickPlans(template.id) : null;
    const result = {
      agents: SCHEDULED, instances: 2, rounds: ROUNDS, service, floor: floorSide,
      ratio: Number((floorSide.allMs / service.allMs).toFixed(2)), targetRatio: 0.5, targetTenThousandMs: 2000, targetAllMs: 10_000,
      exactlyOnce: { ...exact, lastRound: check }, plans,
    };
    await listener.end();
    console.log(`schedules: ${SCHEDULED} agents due at one tick, two instances, medians of ${ROUNDS} rounds: 10,000 runs ${service.tenThousandMs} ms (target ≤ 2000), all ${service.allMs} ms (target ≤ 10000) after the tick; floor (one INSERT … SELECT) ${floorSide.allMs} ms; ratio ${result.ratio}× (target ≥ 0.5); runs ${exact.runs}, duplicates ${exact.duplicates}, run.queued events ${exact.events}, still due ${exact.stillDue}`);
    return result;
  } finally {
    // Off for the parts after this one: 100,000 every-minute agents would make 100,000 runs and events
    // a minute under them (the event log's cost part once counted 30,604 events in a 5 s load).
    await sql.query(`UPDATE agents SET is_schedule_active = false, next_run_at = NULL WHERE next_run_at IS NOT NULL`);
    second.kill('SIGTERM');
    await new Promise((resolve) => (second.exitCode !== null ? resolve() : second.once('exit', resolve)));
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the sweep's two reads with PLAN_AGENTS agents, 1 % of them due, in a transaction rolled back. */
async function dueTickPlans(templateId) {
  const grown = Date.now();
  const { rows: [{ n }] } = await sql.query(`SELECT count(*)::int AS n FROM agents`);
  // The extra agents share the template's variation: the plans read agents, and only due ones' variations.
  await sql.query(
    `INSERT INTO agents (uid, org_id, slug, status, name, type, owner, org_access, is_schedule_active, next_run_at, active_variation_id, has_unpublished_changes, latest_version, created_by)
     SELECT gen_random_uuid(), a.org_id, 'plan-' || g, 'active', a.name, a.type, a.owner, a.org_access, true, now() + interval '1 hour' + g * interval '10 ms', a.active_variation_id, false, 1, a.created_by
     FROM agents a, generate_series(1, $2) g WHERE a.id = $1`,
    [templateId, Math.max(0, PLAN_AGENTS - n)],
  );
  const due = Math.round(PLAN_AGENTS / 100);
  await sql.query('VACUUM ANALYZE agents');
  console.log(`grew to ${PLAN_AGENTS} agents in ${((Date.now() - grown) / 1000).toFixed(1)} s`);
  const explain = async (text, params) => {
    const { rows } = await sql.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params);
    const tree = rows[0]['QUERY PLAN'][0];
    const nodes = [];
    const walk = (node, depth) => { nodes.push(`${'  '.repeat(depth)}${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''} (rows ${node['Actual Rows']})`); for (const child of node.Plans ?? []) walk(child, depth + 1); };
    walk(tree.Plan, 0);
    return { executionMs: Number(tree['Execution Time'].toFixed(3)), plan: nodes };
  };
  // Due only inside this transaction: the running instances' sweeps would otherwise take them first.
  await sql.query('BEGIN');
  try {
    await sql.query(`UPDATE agents SET next_run_at = now() - interval '1 second' WHERE id IN (SELECT id FROM agents WHERE is_schedule_active ORDER BY id LIMIT $1)`, [due]);
    await sql.query('ANALYZE agents');
    const lock = await explain(schedulesModule.LOCK_DUE_SQL, [2500]);
    const { rows: ids } = await sql.query(schedulesModule.LOCK_DUE_SQL, [2500]);
    const read = await explain(schedulesModule.DUE_AGENTS_SQL, [ids.map((row) => row.id)]);
    const usesDueIndex = lock.plan.some((line) => line.includes('agents_due_ticks_idx')) && !lock.plan.some((line) => line.includes('Seq Scan'));
    console.log(`the due-tick lock with ${PLAN_AGENTS} agents, ${due} due: ${lock.executionMs} ms\n    ${lock.plan.join('\n    ')}\nthe read of 2,500 locked agents: ${read.executionMs} ms\n    ${read.plan.join('\n    ')}`);
    return { agents: PLAN_AGENTS, due, lock, read, usesDueIndex };
  } finally {
    await sql.query('ROLLBACK');
  }
}

/**
 * The claim statement's plan with 100,000 queued runs across 1,000 active agents (the schedules part's),
 * in a transaction rolled back: the queue must stay one index scan of runs_claimable_idx.
 */
async function queuedClaimPlan() {
  await sql.query('BEGIN');
  try {
    await sql.query(
      `INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, status, trigger, input, created_by)
       SELECT gen_random_uuid(), a.org_id, a.id, a.active_variation_id, 1, 'queued', 'manual', '{}', 'bench-plan'
       FROM (SELECT * FROM agents WHERE status = 'active' AND active_variation_id IS NOT NULL ORDER BY id LIMIT 1000) a, generate_series(1, 100) g`,
    );
    await sql.query('ANALYZE runs');
    const { rows } = await sql.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${runsModule.CLAIM_NEXT_SQL}`, [ORG, 'bench-plan', 60, null, 'runtime', null]);
    const tree = rows[0]['QUERY PLAN'][0];
    const lines = [];
    const walk = (node, depth) => { lines.push(`${'  '.repeat(depth)}${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}${node['Relation Name'] ? ` on ${node['Relation Name']} ${node.Alias}` : ''} (rows ${node['Actual Rows']}, loops ${node['Actual Loops']})`); for (const child of node.Plans ?? []) walk(child, depth + 1); };
    walk(tree.Plan, 0);
    const queueScans = lines.filter((line) => line.includes(' on runs q'));
    console.log(`the claim with 100,000 queued runs across 1,000 agents: ${tree['Execution Time'].toFixed(3)} ms; queue: ${queueScans.map((l) => l.trim()).join('; ')}\n    ${lines.join('\n    ')}`);
    return { queuedRuns: 100_000, agents: 1000, executionMs: Number(tree['Execution Time'].toFixed(3)), queueScans: queueScans.map((l) => l.trim()), plan: lines };
  } finally {
    await sql.query('ROLLBACK');
  }
}
