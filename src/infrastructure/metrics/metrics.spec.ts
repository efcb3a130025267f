import { DatabaseGauges, DATABASE_GAUGES_TTL_MS } from './database-gauges';
import { Metrics } from './metrics';

// Jest cannot load Nest's ESM packages (the app does, through require(esm)); the class only needs its decorator.
jest.mock('@nestjs/common', () => ({ Injectable: () => () => undefined }));

/** The value of one series in the registry's text, or undefined when it is absent. */
async function valueOf(metrics: Metrics, series: string): Promise<number | undefined> {
  const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Metrics', () => {
  it('labels a request by its route template, one label for unmatched paths and unknown methods', async () => {
    const metrics = new Metrics();
    metrics.httpRequest('/api/v1/agents/:id', 'GET', 200, 0.01);
    metrics.httpRequest(undefined, 'GET', 404, 0.001);
    metrics.httpRequest(undefined, 'PROPFIND', 404, 0.001);
    expect(await valueOf(metrics, 'agentry_http_request_duration_seconds_count{route="/api/v1/agents/:id",method="GET",status="200"}')).toBe(1);
    expect(await valueOf(metrics, 'agentry_http_request_duration_seconds_count{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(await valueOf(metrics, 'agentry_http_request_duration_seconds_count{route="unmatched",method="other",status="404"}')).toBe(1);
  });

  it('observes a finished run\'s duration only when it started, and counts every finish', async () => {
    const metrics = new Metrics();
    metrics.runFinished('succeeded', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.500Z');
    metrics.runFinished('cancelled', null, '2026-01-01T00:00:02.500Z');
    metrics.runsFinishedByTimeout('failed', 3);
    expect(await valueOf(metrics, 'agentry_run_duration_seconds_sum{status="succeeded"}')).toBe(2.5);
    expect(await valueOf(metrics, 'agentry_run_duration_seconds_count{status="cancelled"}')).toBeUndefined();
    expect(await valueOf(metrics, 'agentry_runs_finished_total{status="cancelled"}')).toBe(1);
    expect(await valueOf(metrics, 'agentry_runs_finished_total{status="failed"}')).toBe(3);
  });

  it('reads open streams and pools at scrape time', async () => {
    const metrics = new Metrics();
    let open = 2;
    metrics.countOpenStreams(() => open);
    metrics.addPool('app', () => ({ total: 5, idle: 2, waiting: 1 }));
    metrics.addPool('jobs', () => null);
    expect(await valueOf(metrics, 'agentry_event_streams_open')).toBe(2);
    open = 0;
    expect(await valueOf(metrics, 'agentry_event_streams_open')).toBe(0);
    expect(await valueOf(metrics, 'agentry_db_pool_connections{pool="app",state="in_use"}')).toBe(3);
    expect(await valueOf(metrics, 'agentry_db_pool_connections{pool="app",state="waiting"}')).toBe(1);
    // A pool that is not open is left out, not reported as empty.
    expect((await metrics.registry.metrics()).includes('pool="jobs"')).toBe(false);
  });
});

describe('DatabaseGauges', () => {
  const snapshot = (queueDepth: number) => ({ runs: { queued: queueDepth, running: 1 }, queueDepth, oldestQueuedSeconds: 4.5, jobs: [{ name: 'runs-purge', queued: 0, active: 1, deferred: 2 }] });

  it('reads the database once per TTL, however many scrapes, and shares a read in flight', async () => {
    const metrics = new Metrics();
    let now = 1_000_000;
    const reads: number[] = [];
    const gauges = new DatabaseGauges(metrics.registry, async () => (reads.push(now), snapshot(reads.length)), () => now);
    await Promise.all([gauges.refresh(), gauges.refresh()]);
    now += DATABASE_GAUGES_TTL_MS - 1;
    await gauges.refresh();
    expect(reads).toHaveLength(1);
    expect(await valueOf(metrics, 'agentry_run_queue_depth')).toBe(1);
    now += 1;
    await gauges.refresh();
    expect(reads).toHaveLength(2);
    expect(await valueOf(metrics, 'agentry_run_queue_depth')).toBe(2);
    expect(await valueOf(metrics, 'agentry_runs{status="awaiting_approval"}')).toBe(0);
    expect(await valueOf(metrics, 'agentry_job_queue_jobs{queue="runs-purge",state="deferred"}')).toBe(2);
    expect(await valueOf(metrics, 'agentry_metrics_database_up')).toBe(1);
  });

  it('leaves the database series out, and says so, while the database is away', async () => {
    const metrics = new Metrics();
    let now = 0;
    let down = false;
    const gauges = new DatabaseGauges(metrics.registry, async () => {
      if (down) throw new Error('connection refused');
      return snapshot(7);
    }, () => now);
    await gauges.refresh();
    down = true;
    now += DATABASE_GAUGES_TTL_MS;
    await gauges.refresh();
    expect(await valueOf(metrics, 'agentry_metrics_database_up')).toBe(0);
    expect(await valueOf(metrics, 'agentry_run_queue_depth')).toBeUndefined();
  });
});
