// The metrics part of the benchmark (issue #26): what a Prometheus scrape of GET /metrics costs with a
// large run history. Run by scripts/bench.mjs on its service and database (`npm run bench -- --only
// metrics`). It fills the runs table to `runs` rows, 1,000 of them still live (queued, claimed,
// running, awaiting approval) and the rest finished, then measures:
// - the plan and time of the one statement a scrape runs (DATABASE_GAUGES_SQL), beside what a plain
//   `count(*) … GROUP BY status` over all runs (the scan the design avoids) costs on the same table;
// - scrapes answered from the cache (within 5 s of the last read) and scrapes that read the database.
import gaugesModule from '../dist/infrastructure/metrics/database-gauges.js';

const { DATABASE_GAUGES_SQL, DATABASE_GAUGES_TTL_MS } = gaugesModule;
const LIVE = { queued: 500, claimed: 200, running: 200, awaiting_approval: 100 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every node of a JSON plan, flattened. */
const nodesOf = (plan) => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

async function explain(sql, text) {
  const { rows } = await sql.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`);
  const tree = rows[0]['QUERY PLAN'][0];
  const nodes = nodesOf(tree.Plan);
  const scans = nodes.filter((n) => n['Relation Name']).map((n) => `${n['Node Type']} on ${n['Relation Name']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`);
  return {
    executionMs: Number(tree['Execution Time'].toFixed(3)),
    planningMs: Number(tree['Planning Time'].toFixed(3)),
    sharedBuffers: (tree.Plan['Shared Hit Blocks'] ?? 0) + (tree.Plan['Shared Read Blocks'] ?? 0),
    scans: [...new Set(scans)],
    seqScanOfRuns: nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'runs'),
  };
}

async function timeScrape(serviceBase) {
  const began = process.hrtime.bigint();
  const response = await fetch(`${serviceBase}/metrics`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics: ${response.status} ${body.slice(0, 200)}`);
  return { ms: Number(process.hrtime.bigint() - began) / 1e6, bytes: Buffer.byteLength(body), series: body.split('\n').filter((l) => l && !l.startsWith('#')).length };
}

export async function benchMetrics({ sql, serviceBase, servicePid, cpuOf, median, agentId, runs, cachedScrapes = 200, uncachedScrapes = 5 }) {
  const { rows: [{ n: existing }] } = await sql.query(`SELECT count(*)::int AS n FROM runs`);
  const liveTotal = Object.values(LIVE).reduce((a, b) => a + b, 0);
  const finished = Math.max(0, runs - existing - liveTotal);
  const began = Date.now();
  const insert = (count, status, extra) => sql.query(
    `INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, status, trigger, input, created_by, created_at,
       claimed_by, claimed_at, lease_expires_at, started_at, timeout_at, finished_at)
     SELECT gen_random_uuid(), a.org_id, a.id, a.active_variation_id, a.latest_version, $2, 'manual', '{}', 'bench', now() - make_interval(secs => g),
       ${extra}
     FROM agents a, generate_series(1, $3) g WHERE a.id = $1`,
    [agentId, status, count],
  );
  // History: finished a while ago, a third each succeeded, failed, cancelled.
  for (const status of ['succeeded', 'failed', 'cancelled']) {
    await insert(Math.round(finished / 3), status, `'bench', now() - make_interval(secs => g), NULL, now() - make_interval(secs => g), NULL, now() - make_interval(secs => g) + interval '1 second'`);
  }
  // The live runs, with leases and timeouts far off so the service's sweeps leave them alone.
  await insert(LIVE.queued, 'queued', `NULL, NULL, NULL, NULL, NULL, NULL`);
  await insert(LIVE.claimed, 'queued', `'bench', now(), now() + interval '1 day', NULL, NULL, NULL`);
  await insert(LIVE.running, 'running', `'bench', now(), NULL, now(), now() + interval '1 day', NULL`);
  await insert(LIVE.awaiting_approval, 'awaiting_approval', `'bench', now(), NULL, now(), NULL, NULL`);
  await sql.query('VACUUM ANALYZE runs');
  const { rows: [{ n: total }] } = await sql.query(`SELECT count(*)::int AS n FROM runs`);
  console.log(`metrics: ${total} runs (${liveTotal} live) in ${((Date.now() - began) / 1000).toFixed(1)} s`);

  const gauges = await explain(sql, DATABASE_GAUGES_SQL);
  const naive = await explain(sql, `SELECT status, count(*) FROM runs GROUP BY status`);
  const direct = [];
  for (let i = 0; i < 50; i++) {
    const t = process.hrtime.bigint();
    await sql.query(DATABASE_GAUGES_SQL);
    direct.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`metrics: the scrape's query: ${gauges.executionMs} ms to run, ${gauges.planningMs} ms to plan (median ${median(direct).toFixed(2)} ms from a client), ${gauges.sharedBuffers} buffers, ${gauges.scans.join('; ')}; a count of all runs by status: ${naive.executionMs} ms, ${naive.sharedBuffers} buffers (${naive.scans.join('; ')})`);

  // Scrapes that read the database: each after the cache lapsed.
  const uncached = [];
  for (let i = 0; i < uncachedScrapes; i++) {
    await sleep(DATABASE_GAUGES_TTL_MS + 100);
    uncached.push(await timeScrape(serviceBase));
  }
  // Scrapes one after another, answered from the cache but for one read every 5 s.
  const cpuBefore = cpuOf(servicePid);
  const wallBefore = Date.now();
  const cached = [];
  for (let i = 0; i < cachedScrapes; i++) cached.push(await timeScrape(serviceBase));
  const cpuMsPerScrape = ((cpuOf(servicePid) - cpuBefore) * 1000) / cachedScrapes;
  const sorted = cached.map((s) => s.ms).sort((a, b) => a - b);
  const result = {
    runs: total,
    liveRuns: liveTotal,
    gaugesQuery: { ...gauges, clientMedianMs: Number(median(direct).toFixed(3)) },
    countAllRunsByStatus: naive,
    uncachedScrapeMs: { median: Number(median(uncached.map((s) => s.ms)).toFixed(2)), samples: uncached.map((s) => Number(s.ms.toFixed(2))) },
    cachedScrapeMs: { median: Number(median(sorted).toFixed(2)), p99: Number(sorted[Math.floor(sorted.length * 0.99) - 1].toFixed(2)) },
    serviceCpuMsPerScrape: Number(cpuMsPerScrape.toFixed(2)),
    scrapesPerSecondOneClient: Math.round(cachedScrapes / ((Date.now() - wallBefore) / 1000)),
    bodyBytes: cached.at(-1).bytes,
    series: cached.at(-1).series,
  };
  console.log(`metrics: scrape reading the database ${result.uncachedScrapeMs.median} ms (median of ${uncachedScrapes}); from the cache ${result.cachedScrapeMs.median} ms median, ${result.cachedScrapeMs.p99} ms p99, ${result.serviceCpuMsPerScrape} ms of service CPU each; ${result.series} series, ${result.bodyBytes} bytes`);
  return result;
}
