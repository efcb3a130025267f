// What each hot path allocates: the built service (started as `npm run start:prod` starts it) with
// V8's GC trace, one operation at a time, a fixed number of requests each at 32 connections. Prints per
// operation the KB allocated per request (summed from the trace's `allocated`), the scavenges and the
// bytes promoted to the old generation, which is what a peak RSS is made of. Run `npm run build` first.
// Usage: node bench/allocations.mjs [--requests 10000] [--only get,patch]
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';
import { serviceArgs } from '../scripts/service-command.mjs';

const { EmbeddedDatabase } = databaseModule;
const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, only: { type: 'string' } } });
const REQUESTS = Number(values.requests);
const SECRET = 'allocation-probe-secret-long-enough-for-hs256';
const ORG = '00000000-0000-4000-8000-0000000a110c';

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (sub, extra = {}) => {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, org_id: ORG, org_role: 'org:member', exp: Math.floor(Date.now() / 1000) + 7200, ...extra })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
};
const owner = token('alloc-owner');

const workDir = mkdtempSync(join(tmpdir(), 'agentry-alloc-'));
const database = await EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'agentry-alloc-pg-')), port: await freePort(), persistent: false });
const traceFile = join(workDir, 'gc-trace.txt');
const port = await freePort();
// The trace goes to stdout (with the request logs); a SIGUSR2 writes a marker line into it, so the
// lines between two markers are exactly one operation's collections.
const app = spawn(process.execPath, ['--trace-gc-nvp', '--require', new URL('./gc-marker.cjs', import.meta.url).pathname, ...serviceArgs()], {
  env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SWAGGER_ENABLED: 'false', RUN_LEASE_SECONDS: '3600' },
  stdio: ['ignore', openSync(traceFile, 'w'), 'inherit'],
});
const base = `http://127.0.0.1:${port}`;

async function call(method, path, body, auth = owner) {
  const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const json = response.status === 204 ? undefined : await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const results = [];
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* not up yet */ }
    if (i > 600) throw new Error('the service did not come up');
    await sleep(100);
  }
  const ids = [];
  for (let i = 0; i < 200; i += 25) {
    ids.push(...(await Promise.all(Array.from({ length: 25 }, (_, k) => call('POST', '/api/v1/agents', { name: `Agent ${i + k}`, type: 'task', instructions: 'Summarise the day.', accessConfig: { grants: [{ principal: 'group:sales', access: 'use' }] } })))).map((a) => a.id));
  }
  const { key } = await call('POST', '/api/v1/api-keys', { name: 'alloc runtime', role: 'runtime' }, token('alloc-admin', { org_role: 'org:admin' }));
  await call('POST', `/api/v1/agents/${ids[0]}/deploy`);
  for (let i = 0; i < REQUESTS / 2 + 100; i += 100) await Promise.all(Array.from({ length: 100 }, () => call('POST', `/api/v1/agents/${ids[0]}/runs`, { input: { n: 1 } })));

  const bearer = { authorization: `Bearer ${owner}` };
  const rotating = (build) => { let n = 0; return [{ setupRequest: (request) => ({ ...request, ...build(ids[1 + (n++ % (ids.length - 1))], n) }) }]; };
  const operations = {
    health: { requests: [{ method: 'GET', path: '/health/live' }] },
    get: { headers: bearer, requests: rotating((id) => ({ method: 'GET', path: `/api/v1/agents/${id}` })) },
    patch: { headers: bearer, requests: rotating((id, n) => ({ method: 'PATCH', path: `/api/v1/agents/${id}?updateMask=description`, body: JSON.stringify({ description: `revision ${n}` }) })) },
    list: { headers: bearer, requests: [{ method: 'GET', path: '/api/v1/agents?pageSize=50' }] },
    claim: {
      headers: { 'x-api-key': key },
      requests: [
        { method: 'POST', path: '/api/v1/runtime/claim', body: JSON.stringify({ waitSeconds: 0 }), onResponse: (status, body, context) => { context.runId = status === 200 ? JSON.parse(body).run.id : 'none'; } },
        { method: 'POST', body: JSON.stringify({ type: 'started' }), setupRequest: (request, context) => ({ ...request, path: `/api/v1/runs/${context.runId}/events` }) },
      ],
    },
  };
  const chosen = values.only ? values.only.split(',') : Object.keys(operations);
  for (const name of chosen) {
    const { headers = {}, requests } = operations[name];
    app.kill('SIGUSR2');
    await sleep(300);
    const result = await new Promise((resolve, reject) => autocannon({ url: base, connections: 32, amount: REQUESTS, headers: { 'content-type': 'application/json', ...headers }, requests }, (error, r) => (error ? reject(error) : resolve(r))));
    await sleep(300);
    app.kill('SIGUSR2');
    await sleep(300);
    results.push({ name, requests: result.requests.total, non2xx: result.non2xx + result.errors });
  }
} finally {
  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  await database.stop();
}

// Sum each window's scavenges (gc=s) and mark-compacts between its two markers.
const windows = [];
let current = null;
for (const line of readFileSync(traceFile, 'utf8').split('\n')) {
  if (line.startsWith('GC-MARK')) {
    if (current) { windows.push(current); current = null; } else current = { allocated: 0, promoted: 0, scavenges: 0, markCompacts: 0 };
  } else if (current && line.includes(' gc=')) {
    const field = (name) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? 0);
    current.allocated += field('allocated');
    current.promoted += field('promoted');
    if (/ gc=s /.test(line)) current.scavenges += 1; else current.markCompacts += 1;
  }
}
rmSync(workDir, { recursive: true, force: true });
console.log(`${REQUESTS} requests per operation, 32 connections, ${process.version}, node ${serviceArgs().slice(0, -1).join(' ')}`);
console.log('| Operation | KB allocated / request | scavenges | mark-compacts | promoted, B / request | non-2xx |');
console.log('|---|---:|---:|---:|---:|---:|');
results.forEach((r, i) => {
  const w = windows[i];
  console.log(`| ${r.name} | ${(w.allocated / r.requests / 1024).toFixed(1)} | ${w.scavenges} | ${w.markCompacts} | ${Math.round(w.promoted / r.requests)} | ${r.non2xx} |`);
});
