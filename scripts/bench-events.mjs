// The event log's part of the benchmark (issue #22), run by scripts/bench.mjs on its service and database:
// 1. what the log costs the writes: PATCH and claim + started against the same service and database with
//    the log's rows written and with them dropped by a BEFORE INSERT trigger, alternating, medians;
// 2. event streams: many SSE clients on one instance while events are written at a steady rate;
// 3. the audit route's statements on a log of a million events: EXPLAIN (ANALYZE, BUFFERS).
import { request } from 'node:http';
import eventsModule from '../dist/modules/events/events.repository.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The service's event-feed lag histogram (`agentry_event_feed_lag_seconds`): cumulative count per bucket bound. */
async function feedLag(serviceBase) {
  const response = await fetch(`${serviceBase}/metrics`);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /metrics: ${response.status} ${text.slice(0, 200)}`);
  const buckets = new Map();
  for (const [, le, count] of text.matchAll(/^agentry_event_feed_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) buckets.set(le, Number(count));
  if (!buckets.has('+Inf')) throw new Error('GET /metrics: no agentry_event_feed_lag_seconds histogram');
  return buckets;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * With the trigger enabled the append statement still runs (same code, same round trip, same plan),
 * but PostgreSQL drops each row before it is stored: no heap row, no index entries, and no NOTIFY
 * after COMMIT (the statement returns no row, so the service announces no org). So the ratio measures
 * the log's storage and notification cost, not the building of the event batch in Node (which is
 * small next to a round trip).
 */
async function logCost({ sql, load, median, servicePid, serviceBase, writes, rounds, seconds, warmup }) {
  await sql.query(`CREATE OR REPLACE FUNCTION bench_drop_event() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'`);
  await sql.query(`CREATE TRIGGER bench_drop_event BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION bench_drop_event()`);
  await sql.query(`ALTER TABLE events DISABLE TRIGGER bench_drop_event`);
  const setLog = (on) => sql.query(`ALTER TABLE events ${on ? 'DISABLE' : 'ENABLE'} TRIGGER bench_drop_event`);
  const results = [];
  try {
    for (const op of writes) {
      const samples = { withLog: [], withoutLog: [] };
      for (const on of [true, false]) {
        await setLog(on);
        await op.before?.();
        await load(serviceBase, op.service(), warmup, servicePid);
      }
      for (let round = 0; round < rounds; round++) {
        for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
          await setLog(on);
          await op.before?.();
          const before = Number((await sql.query('SELECT count(*) AS n FROM events')).rows[0].n);
          const r = await load(serviceBase, op.service(), seconds, servicePid);
          const appended = Number((await sql.query('SELECT count(*) AS n FROM events')).rows[0].n) - before;
          samples[on ? 'withLog' : 'withoutLog'].push(r);
          process.stdout.write(`  round ${round + 1} ${op.name} ${on ? 'with the log' : 'rows dropped'}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${r.cpu}%, PostgreSQL ${r.postgres}%, ${appended} events stored${r.bad ? `, ${r.bad} non-2xx/errors` : ''}\n`);
        }
      }
      const summary = (s) => ({ reqPerSec: Math.round(median(s.map((r) => r.rps))), p50Ms: median(s.map((r) => r.p50)), p99Ms: median(s.map((r) => r.p99)), non2xx: s.reduce((sum, r) => sum + r.bad, 0), rounds: s.map((r) => Math.round(r.rps)) });
      const withLog = summary(samples.withLog);
      const withoutLog = summary(samples.withoutLog);
      results.push({ operation: op.name, withLog, withoutLog, ratio: Number((withLog.reqPerSec / withoutLog.reqPerSec).toFixed(3)), target: 0.9 });
    }
  } finally {
    await sql.query(`DROP TRIGGER bench_drop_event ON events`);
    await sql.query(`DROP FUNCTION bench_drop_event()`);
  }
  return results;
}

/**
 * `streams` SSE clients of one caller on the service while PATCHes write `eventsPerSecond` events.
 * Clients read only `id:` lines (one process holds them all, so it must stay cheap); one more client
 * also reads `data:` for each event's `at` (the database's time of the write's transaction), so the
 * latency of a receipt is its time minus the event's `at`: the transaction, COMMIT, NOTIFY, the
 * instance's read of the log and the write to the socket.
 */
async function streamsUnder({ rssOf, cpuOf, servicePid, serviceBase, owner, targets, streams, eventsPerSecond, streamSeconds }) {
  const url = new URL(`${serviceBase}/api/v1/events/stream?types=agent.updated`);
  const idIndex = new Map(); // event id -> its column in `received`
  const atOf = new Map(); // event id -> its `at` in ms
  const capacity = eventsPerSecond * (streamSeconds + 10);
  const received = new Float64Array(streams * capacity); // [stream * capacity + event] = receipt time
  const counts = new Uint32Array(streams);
  let overflows = 0;
  let ended = 0;
  const sockets = [];
  const indexOf = (id) => {
    let i = idIndex.get(id);
    if (i === undefined) { i = idIndex.size; idIndex.set(id, i); }
    return i;
  };
  const open = (n, observer) => new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { authorization: `Bearer ${owner}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream ${n}: ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('end', () => ended++);
      let rest = '';
      res.on('data', (chunk) => {
        const now = Date.now();
        const text = rest + chunk;
        const last = text.lastIndexOf('\n');
        rest = text.slice(last + 1);
        if (text.includes('event: overflow')) overflows++;
        let at = text.indexOf('id: ');
        while (at !== -1 && at < last) {
          const end = text.indexOf('\n', at);
          const id = text.slice(at + 4, end);
          if (n >= 0) { const i = indexOf(id); if (i < capacity) received[n * capacity + i] = now; counts[n]++; }
          if (observer) {
            const dataAt = text.indexOf('data: ', end);
            const m = /"at":"([^"]+)"/.exec(text.slice(dataAt, text.indexOf('\n', dataAt)));
            if (m) atOf.set(id, Date.parse(m[1]));
          }
          at = text.indexOf('id: ', end);
        }
      });
      sockets.push(req);
      resolve();
    });
    req.on('error', (e) => (sockets.includes(req) ? undefined : reject(e)));
    req.end();
  });

  const rssIdle = rssOf(servicePid);
  const opened = Date.now();
  await open(-1, true);
  for (let i = 0; i < streams; i += 50) await Promise.all(Array.from({ length: Math.min(50, streams - i) }, (_, k) => open(i + k, false)));
  const openSeconds = (Date.now() - opened) / 1000;
  const rssOpen = rssOf(servicePid);
  console.log(`opened ${streams + 1} streams in ${openSeconds.toFixed(1)} s; service RSS ${rssIdle} MiB before, ${rssOpen} MiB with them open`);
  await sleep(500);

  let peakRss = rssOpen;
  const sampler = setInterval(() => { try { peakRss = Math.max(peakRss, rssOf(servicePid)); } catch { /* exited */ } }, 250);
  let written = 0;
  let failed = 0;
  const failures = {}; // status (or error) -> count
  const fail = (why) => { failed++; failures[why] = (failures[why] ?? 0) + 1; };
  const tick = 50; // ms: eventsPerSecond / 20 PATCHes per tick, each one agent.updated event
  const perTick = Math.max(1, Math.round((eventsPerSecond * tick) / 1000));
  const began = Date.now();
  const cpuBefore = { service: cpuOf(servicePid), client: process.cpuUsage() };
  const lagBefore = await feedLag(serviceBase);
  const inflight = [];
  for (let t = 0; Date.now() - began < streamSeconds * 1000; t++) {
    for (let k = 0; k < perTick; k++) {
      const id = targets[(t * perTick + k) % targets.length];
      inflight.push(fetch(`${serviceBase}/api/v1/agents/${id}?updateMask=description`, { method: 'PATCH', headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' }, body: JSON.stringify({ description: `stream ${t}.${k}` }) })
        .then(async (r) => { await r.arrayBuffer(); if (r.ok) written++; else fail(r.status); }, (e) => fail(e.cause?.code ?? e.message)));
    }
    await sleep(Math.max(0, began + (t + 1) * tick - Date.now()));
  }
  await Promise.all(inflight);
  const writeSeconds = (Date.now() - began) / 1000;
  // The tail: until every stream has all, or nothing arrived for 3 s (a stream that missed events never gets them).
  const total = () => counts.reduce((a, b) => a + b, 0);
  for (let seen = -1, quiet = 0; quiet < 30 && Math.min(...counts) < written; await sleep(100)) {
    const now = total();
    quiet = now === seen ? quiet + 1 : 0;
    seen = now;
  }
  const tailSeconds = (Date.now() - began) / 1000 - writeSeconds;
  const elapsed = writeSeconds + tailSeconds;
  const clientCpu = process.cpuUsage(cpuBefore.client);
  const cpuPercentOfCore = { service: Math.round((100 * (cpuOf(servicePid) - cpuBefore.service)) / elapsed), benchClient: Math.round((clientCpu.user + clientCpu.system) / 1e4 / elapsed) };
  clearInterval(sampler);
  // Where the latency is: the share of events the instance handed to its streams within 100 and 250 ms
  // of their `at` (its own lag histogram, over this load); the rest of a receipt's latency is the
  // sockets and this client.
  const lagAfter = await feedLag(serviceBase);
  const handed = (le) => (lagAfter.get(le) ?? 0) - (lagBefore.get(le) ?? 0);
  if (handed('+Inf') === 0) throw new Error('the service handed out no event during the streams load');
  const handedOutWithin = { '100ms': Number((handed('0.1') / handed('+Inf')).toFixed(4)), '250ms': Number((handed('0.25') / handed('+Inf')).toFixed(4)) };
  for (const req of sockets) req.destroy();

  const latencies = [];
  const ids = [...idIndex.entries()].filter(([, i]) => i < capacity);
  for (let n = 0; n < streams; n++) {
    for (const [id, i] of ids) {
      const t = received[n * capacity + i];
      const at = atOf.get(id);
      if (t && at !== undefined) latencies.push(t - at);
    }
  }
  latencies.sort((a, b) => a - b);
  const missed = Array.from(counts, (c) => written - c);
  const result = {
    streams, eventsPerSecondTarget: eventsPerSecond, eventsWritten: written, writesFailed: failed, failures,
    streamsEnded: ended, overflows, tailSeconds: Number(tailSeconds.toFixed(1)),
    eventsPerSecondWritten: Math.round(written / writeSeconds), seconds: Number(writeSeconds.toFixed(1)),
    deliveries: latencies.length, deliveriesPerSecond: Math.round(latencies.length / elapsed), cpuPercentOfCore,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1], targetP99: 250 },
    missedPerStream: { max: Math.max(...missed), streamsMissingAny: missed.filter((m) => m > 0).length },
    rssMiB: { idle: rssIdle, streamsOpen: rssOpen, peak: peakRss, target: 300 },
    openSeconds: Number(openSeconds.toFixed(1)),
    handedOutWithin,
  };
  console.log(`streams: ${written} events written (${result.eventsPerSecondWritten}/s, ${failed} failed) to ${streams} streams; event-to-client latency p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms; missed at most ${result.missedPerStream.max} per stream (${result.missedPerStream.streamsMissingAny} streams missed some; ${ended} ended, ${overflows} overflowed; tail ${result.tailSeconds} s); failures ${JSON.stringify(failures)}; ${result.deliveriesPerSecond} deliveries/s; CPU % of a core ${JSON.stringify(cpuPercentOfCore)}; service RSS peak ${peakRss} MiB; handed out by the service within 100 / 250 ms of \`at\`: ${(100 * handedOutWithin['100ms']).toFixed(1)} / ${(100 * handedOutWithin['250ms']).toFixed(1)} %`);
  return result;
}

/** The audit route's statements (as the repository builds them) on a log of `total` events, EXPLAIN (ANALYZE, BUFFERS). */
async function auditPlans({ sql, org, total }) {
  const { rows: [{ n: present }] } = await sql.query('SELECT count(*)::int AS n FROM events');
  const started = Date.now();
  const { rows: [{ first, last }] } = await sql.query('SELECT min(id) AS first, max(id) AS last FROM agents WHERE org_id = $1', [org]);
  // Run events of the org's agents (a run every 6 events), agent updates, and some of another org.
  await sql.query(
    `INSERT INTO events (type, org_id, agent_id, run_id, actor_subject, actor_kind, request_id, data)
     SELECT (ARRAY['run.queued', 'run.claimed', 'run.started', 'run.action_taken', 'run.succeeded', 'agent.updated'])[1 + g % 6],
            CASE WHEN g % 10 = 0 THEN '00000000-0000-4000-8000-0000000000ff'::uuid ELSE $1::uuid END,
            $2::int + (g / 6) % ($3::int - $2::int + 1), md5((g / 6)::text)::uuid, 'user:u' || (g % 100), 'user', 'bench-' || g, '{"n":1}'
     FROM generate_series(1, $4::int) g`,
    [org, first, last, Math.max(0, total - present)],
  );
  await sql.query('VACUUM ANALYZE events');
  const fillSeconds = Number(((Date.now() - started) / 1000).toFixed(1));
  const { rows: [{ n: count }] } = await sql.query('SELECT count(*)::int AS n FROM events');
  console.log(`the log holds ${count} events (${fillSeconds} s to fill)`);

  const repository = new eventsModule.EventsRepository();
  const statement = async (call) => {
    let captured;
    await call({ query: async (text, params) => { captured = { text, params }; return []; } });
    return captured;
  };
  const newest = { order: 'desc', limit: 51, settledOnly: true };
  const cases = [
    { name: "an admin's first page (the org, newest first)", call: (db) => repository.read(db, { orgId: org, visibleTo: null }, newest) },
    { name: 'a filtered page: types run.* and one agent', call: (db) => repository.read(db, { orgId: org, visibleTo: null, types: ['run.queued', 'run.claimed', 'run.started', 'run.action_taken', 'run.succeeded'], agentId: Number(first) + 3 }, newest) },
    { name: 'a filtered page: one agent', call: (db) => repository.read(db, { orgId: org, visibleTo: null, agentId: Number(first) + 7 }, newest) },
  ];
  const plans = [];
  for (const { name, call } of cases) {
    const { text, params } = await statement(call);
    const { rows } = await sql.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
    const lines = rows.map((row) => row['QUERY PLAN']);
    const executionMs = Number(lines.find((l) => l.startsWith('Execution Time')).match(/([\d.]+) ms/)[1]);
    const scans = lines.filter((l) => /Scan/.test(l)).map((l) => l.trim().replace(/^->\s*/, '').replace(/\s+\(cost.*$/, ''));
    plans.push({ name, executionMs, scans, seqScan: lines.some((l) => /Seq Scan on events/.test(l)), sort: lines.some((l) => /\bSort\b/.test(l)), plan: lines });
    console.log(`\n${name}: ${executionMs} ms\n${lines.join('\n')}`);
  }
  return { events: count, fillSeconds, plans };
}

export async function benchEvents(context) {
  const { parts } = context;
  console.log('\nthe event log: its cost to the writes (rows stored vs dropped by a trigger, same service and database)');
  const logCostResults = parts.includes('cost') ? await logCost(context) : [];
  for (const r of logCostResults) console.log(`${r.operation}: ${r.withLog.reqPerSec} req/s with the log, ${r.withoutLog.reqPerSec} without: ${r.ratio}× (target ≥ 0.9×)`);
  console.log(`\nevent streams: ${context.streams} on one instance, ${context.eventsPerSecond} events/s for ${context.streamSeconds} s`);
  const streams = parts.includes('streams') ? await streamsUnder(context) : null;
  console.log(`\nthe audit route's plans on ${context.logEvents} events`);
  const audit = parts.includes('audit') && context.logEvents > 0 ? await auditPlans({ ...context, total: context.logEvents }) : null;
  return { logCost: logCostResults, streams, audit };
}
