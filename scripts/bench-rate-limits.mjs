// The rate limits' cost: GET one agent and PATCH against two instances of the built service on one
// throwaway embedded PostgreSQL, one with the default limits (every request takes a token from two
// buckets in the database), one with RATE_LIMITS_ENABLED=false; loads alternate between them.
// Usage: npm run bench:rate-limits [-- --seconds 5 --rounds 3 --connections 32 --agents 200]
// Writes bench/rate-limits.json.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serviceArgs } from './service-command.mjs';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    agents: { type: 'string', default: '200' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const SECRET = 'benchmark-secret-that-is-long-enough-for-hs256';
const ORG = '00000000-0000-4000-8000-00000000be4d';
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'bench-owner', org_id: ORG, org_role: 'org:member', exp: Math.floor(Date.now() / 1000) + 7200 })}`;
const bearer = { authorization: `Bearer ${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}` };
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const database = await databaseModule.EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'agentry-bench-rl-')), port: await freePort(), persistent: false });
const services = {};
try {
  for (const [name, env] of [['limited', {}], ['unlimited', { RATE_LIMITS_ENABLED: 'false' }]]) {
    const port = await freePort();
    const child = spawn(process.execPath, serviceArgs(), {
      env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', SWAGGER_ENABLED: 'false', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    services[name] = { base: `http://127.0.0.1:${port}`, child };
    // One after the other: both migrate at start.
    for (let i = 0; i < 1200; i++) {
      try { if ((await fetch(`${services[name].base}/health/ready`)).ok) break; } catch { /* not up yet */ }
      await sleep(100);
    }
  }
  const ids = [];
  for (let i = 0; i < Number(values.agents); i++) {
    const response = await fetch(`${services.limited.base}/api/v1/agents`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ name: `Agent ${i}`, type: 'task', instructions: 'Summarise the day.' }) });
    if (response.status !== 201) throw new Error(`create: ${response.status} ${await response.text()}`);
    ids.push((await response.json()).id);
  }
  const rotating = (build) => { let n = 0; return [{ setupRequest: (request) => ({ ...request, ...build(ids[n++ % ids.length], n) }) }]; };
  const operations = {
    'GET one agent': () => rotating((id) => ({ method: 'GET', path: `/api/v1/agents/${id}` })),
    'PATCH (updateMask=description)': () => rotating((id, n) => ({ method: 'PATCH', path: `/api/v1/agents/${id}?updateMask=description`, body: JSON.stringify({ description: `revision ${n}` }) })),
  };
  const load = (base, requests, seconds) => new Promise((resolve, reject) =>
    autocannon({ url: base, connections: CONNECTIONS, duration: seconds, headers: { 'content-type': 'application/json', ...bearer }, requests }, (error, result) =>
      error ? reject(error) : resolve({ rps: result.requests.average, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts })));
  const results = [];
  for (const [operation, requests] of Object.entries(operations)) {
    const samples = { limited: [], unlimited: [] };
    for (const side of ['limited', 'unlimited']) await load(services[side].base, requests(), Number(values.warmup));
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? ['limited', 'unlimited'] : ['unlimited', 'limited']) {
        const result = await load(services[side].base, requests(), SECONDS);
        samples[side].push(result);
        console.log(`  round ${round + 1} ${operation} ${side}: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms${result.bad ? `, ${result.bad} non-2xx/errors` : ''}`);
      }
    }
    const summary = (side) => ({ reqPerSec: Math.round(median(samples[side].map((s) => s.rps))), p99Ms: median(samples[side].map((s) => s.p99)), non2xx: samples[side].reduce((sum, s) => sum + s.bad, 0), rounds: samples[side].map((s) => Math.round(s.rps)) });
    const limited = summary('limited');
    const unlimited = summary('unlimited');
    results.push({ operation, limited, unlimited, ratio: Number((limited.reqPerSec / unlimited.reqPerSec).toFixed(2)) });
  }
  const report = { ranAt: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, settings: { seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, agents: ids.length }, results };
  writeFileSync('bench/rate-limits.json', `${JSON.stringify(report, null, 2)}\n`);
  console.log('\n| Operation | limited req/s | unlimited req/s | ratio | limited / unlimited p99 ms |\n|---|---:|---:|---:|---:|');
  for (const r of results) console.log(`| ${r.operation} | ${r.limited.reqPerSec} | ${r.unlimited.reqPerSec} | **${r.ratio.toFixed(2)}×** | ${r.limited.p99Ms} / ${r.unlimited.p99Ms} |`);
} finally {
  for (const { child } of Object.values(services)) child.kill('SIGTERM');
  await Promise.all(Object.values(services).map(({ child }) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
  await database.stop();
}
