// What a NOTIFY in a write's transaction costs its COMMIT (docs/decisions.md, "Issue #22: the event log's
// performance"): 32 connections each running BEGIN; INSERT; [SELECT pg_notify(…);] COMMIT as fast as they
// can on a throwaway embedded PostgreSQL, alternating without and with the NOTIFY, 4 s each, 3 rounds.
// PostgreSQL takes one database-wide lock in PreCommit_Notify and keeps it through the commit record's
// flush, so notifying transactions commit one at a time instead of sharing WAL flushes.
// Usage: npm run build && node scripts/notify-commit-cost.mjs
import pg from 'pg';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import databaseModule from '../dist/infrastructure/database/embedded-database.js';
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const db = await databaseModule.EmbeddedDatabase.start({ dataDir: mkdtempSync(join(tmpdir(), 'evperf-n-')), port: await freePort(), persistent: false });
const setup = new pg.Client({ connectionString: db.url }); await setup.connect();
await setup.query('CREATE TABLE t (id serial primary key, v text)');
const show = async (k) => (await setup.query(`SHOW ${k}`)).rows[0][k];
console.log('fsync', await show('fsync'), 'synchronous_commit', await show('synchronous_commit'), (await setup.query('select version()')).rows[0].version);
const clients = await Promise.all(Array.from({ length: 32 }, async () => { const c = new pg.Client({ connectionString: db.url }); await c.connect(); return c; }));
async function run(notify, seconds) {
  let n = 0; const end = Date.now() + seconds * 1000;
  await Promise.all(clients.map(async (c) => { while (Date.now() < end) { await c.query('BEGIN'); await c.query('INSERT INTO t (v) VALUES ($1)', ['x']); if (notify) await c.query(`SELECT pg_notify('ch', 'org:x')`); await c.query('COMMIT'); n++; } }));
  return n / seconds;
}
for (let r = 0; r < 3; r++) for (const notify of [false, true]) console.log(notify ? 'notify   ' : 'no notify', Math.round(await run(notify, 4)), 'tx/s');
for (const c of clients) await c.end(); await setup.end(); await db.stop();
