// The statements one PATCH (updateMask=description) sends to PostgreSQL and the server's time for each
// (docs/decisions.md, "Issue #22: the event log's performance"): one service on a throwaway embedded
// PostgreSQL, PATCHes one at a time (so no statement waits for another), every statement logged with
// its duration (log_min_duration_statement = 0), medians per statement. Round trips are what a PATCH
// pays beyond these times: count them in the list.
// Usage: npm run build && node scripts/patch-statements.mjs [--patches 200]
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { serviceArgs } from './service-command.mjs';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';

const { values } = parseArgs({ options: { patches: { type: 'string', default: '200' } } });
const PATCHES = Number(values.patches);
const SECRET = 'benchmark-secret-that-is-long-enough-for-hs256';
const ORG = '00000000-0000-4000-8000-00000000be4c';
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'bench-owner', org_id: ORG, org_role: 'org:member', exp: Math.floor(Date.now() / 1000) + 3600 })}`;
const owner = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const logLines = [];
const database = await databaseModule.EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'agentry-statements-')), port: await freePort(), persistent: false, onLog: (line) => logLines.push(line) });
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const app = spawn(process.execPath, [...serviceArgs()], {
  env: { ...process.env, DATABASE_URL: database.url, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SWAGGER_ENABLED: 'false' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const sql = new pg.Client({ connectionString: database.url });
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* not up yet */ }
    if (i > 600) throw new Error('the service did not come up');
    await sleep(100);
  }
  const call = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const { id } = await call('POST', '/api/v1/agents', { name: 'Statements', type: 'task', instructions: 'Summarise the day.', accessConfig: { grants: [{ principal: 'user:someone', access: 'manage' }] } });
  for (let n = 0; n < 20; n++) await call('PATCH', `/api/v1/agents/${id}?updateMask=description`, { description: `warm-up ${n}` });
  await sql.connect();
  await sql.query(`ALTER SYSTEM SET log_min_duration_statement = 0`);
  await sql.query(`SELECT pg_reload_conf()`);
  await sleep(500);
  logLines.length = 0;
  const started = process.hrtime.bigint();
  for (let n = 0; n < PATCHES; n++) await call('PATCH', `/api/v1/agents/${id}?updateMask=description`, { description: `revision ${n}` });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  await sql.query(`ALTER SYSTEM RESET log_min_duration_statement`);
  await sql.query(`SELECT pg_reload_conf()`);
  await sleep(500);

  // "duration: 0.123 ms  execute agentry_x: SELECT …" / "… statement: COMMIT"; parse and bind lines are the extended protocol's other steps.
  const byStatement = new Map();
  // A log message may hold several lines, and a statement's text several too: split at each duration.
  for (const line of logLines.join('\n').split(/\n(?=\d{4}-\d\d-\d\d \d)/)) {
    const m = /duration: ([\d.]+) ms\s+(parse|bind|execute|statement)[^:]*: ([\s\S]*)$/.exec(line);
    if (!m || /ALTER SYSTEM|pg_reload_conf|pgboss\./.test(m[3])) continue;
    const [, ms, step, text] = m;
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 150);
    const entry = byStatement.get(key) ?? { key, order: byStatement.size, execute: [], other: [] };
    (step === 'execute' || step === 'statement' ? entry.execute : entry.other).push(Number(ms));
    byStatement.set(key, entry);
  }
  // Background work (pg-boss, sweeps) runs meanwhile, a few times in all: a PATCH's statements are those of (nearly) every PATCH.
  const rows = [...byStatement.values()].filter((r) => r.execute.length >= PATCHES * 0.9).sort((a, b) => a.order - b.order);
  console.log(`${PATCHES} PATCHes one at a time: ${(wallMs / PATCHES).toFixed(2)} ms each (HTTP to response)`);
  console.log('per PATCH | server ms (median execute) | parse+bind ms | statement');
  let total = 0;
  for (const r of rows) total += median(r.execute) + (r.other.length ? median(r.other) : 0);
  console.log(`${rows.length} statements (round trips) per PATCH, ${total.toFixed(3)} ms of server time in all`);
  for (const r of rows) console.log(`${(r.execute.length / PATCHES).toFixed(2).padStart(9)} | ${median(r.execute).toFixed(3).padStart(26)} | ${(r.other.length ? median(r.other) : 0).toFixed(3).padStart(13)} | ${r.key}`);
} finally {
  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  await sql.end().catch(() => undefined);
  await database.stop();
}
