import { AGENTS, clearOfMinuteEnd, deployableTask, freshOrg, scheduleTrigger } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { ownDatabase, withDatabase } from './support/database';
import { postsTo } from './support/fake-slack';
import { api, expectProblem } from './support/http';
import { parseMetrics, scrape } from './support/prometheus';
import { auth, Caller, user } from './support/principals';
import { eventually } from './support/runs';
import { SseStream } from './support/sse';

/**
 * Issue #26: GET /metrics. A service of its own on a database of its own, so every delta below is
 * this test's traffic alone (the suite's other instances would count their own work, and share the
 * queues). The database gauges are cached for 5 s, so the checks on them poll.
 */
const TOKEN = 'metrics-e2e-token-0123456789';
const HTTP = 'agentry_http_request_duration_seconds_count';

describe('metrics', () => {
  let app: AppProcess;
  let database: { url: string; drop: () => Promise<void> };
  const org = freshOrg();
  const admin = user(org, 'metrics-admin', { admin: true });

  beforeAll(async () => {
    database = await ownDatabase('agentry_metrics_test');
    app = await startApp(suiteEnv({ DATABASE_URL: database.url, METRICS_TOKEN: TOKEN }));
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  const call = (method: string, path: string, who: Caller, body?: unknown) => api(method, path, { ...auth(who), body, baseUrl: app.url });
  const ok = async (method: string, path: string, who: Caller, body: unknown, status: number) => {
    const response = await call(method, path, who, body);
    if (response.status !== status) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const read = () => scrape(app.url, TOKEN);

  it('answers only the METRICS_TOKEN, with 401 problem+json otherwise; no API credential opens it', async () => {
    expectProblem(await api('GET', '/metrics', { baseUrl: app.url }), 401, 'UNAUTHENTICATED');
    const wrong = await api('GET', '/metrics', { baseUrl: app.url, token: `${TOKEN}x` });
    expectProblem(wrong, 401, 'UNAUTHENTICATED');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    // An org admin's JWT is no metrics token.
    expectProblem(await api('GET', '/metrics', { ...auth(admin), baseUrl: app.url }), 401, 'UNAUTHENTICATED');

    const right = await api('GET', '/metrics', { baseUrl: app.url, token: TOKEN });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(String(right.body));
    expect(samples.length).toBeGreaterThan(0);
    // The process's own series are there too.
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('labels requests by route template, never by raw path', async () => {
    const before = await read();
    const agent = await ok('POST', AGENTS, admin, deployableTask(), 201);
    await ok('GET', `${AGENTS}/${agent.id}`, admin, undefined, 200);
    await ok('GET', `${AGENTS}/${agent.slug}`, admin, undefined, 200);
    expectProblem(await call('GET', `${AGENTS}/999999999`, admin), 404);
    const unknown = `/api/v1/no-such-route-${agent.slug}`;
    expectProblem(await call('GET', unknown, admin), 404);
    const after = await read();

    expect(after.delta(before, HTTP, { route: '/api/v1/agents/:id', method: 'GET', status: '200' })).toBe(2);
    expect(after.delta(before, HTTP, { route: '/api/v1/agents/:id', method: 'GET', status: '404' })).toBe(1);
    expect(after.delta(before, HTTP, { route: '/api/v1/agents', method: 'POST', status: '201' })).toBe(1);
    expect(after.delta(before, HTTP, { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    // No id, uid or unknown path became a label value.
    const routes = new Set(after.samples.filter((s) => s.name === HTTP).map((s) => s.labels.route));
    for (const route of routes) {
      expect(route.includes(agent.slug) || route.includes('no-such-route') || route.split('/').includes(String(agent.id))).toBe(false);
    }
  });

  it('counts a run end to end, its Slack delivery, an open stream and the event-log lag', async () => {
    const channel = `CFLAKY${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    const agent = await ok('POST', AGENTS, admin, deployableTask({ notificationConfig: { slackChannelId: channel, events: {} } }), 201);
    await ok('POST', `${AGENTS}/${agent.id}/deploy`, admin, undefined, 200);
    const runtime = { apiKey: (await ok('POST', '/api/v1/api-keys', admin, { name: 'metrics runtime', role: 'runtime' }, 201)).key };
    const stream = await SseStream.open('/api/v1/events/stream?types=run.*', admin, { baseUrl: app.url });
    try {
      const before = await read();
      expect(before.value('agentry_event_streams_open')).toBe(1);

      const run = await ok('POST', `${AGENTS}/${agent.id}/runs`, admin, {}, 201);
      const claimed = await ok('POST', '/api/v1/runtime/claim', runtime, { agentIds: [agent.id], waitSeconds: 10 }, 200);
      expect(claimed.run.id).toBe(run.id);
      // Tracing is off here: the claim says so rather than leaving the field out.
      expect(claimed.traceparent).toBeNull();
      await ok('POST', `/api/v1/runs/${run.id}/events`, runtime, { type: 'started' }, 200);
      await ok('POST', `/api/v1/runs/${run.id}/events`, runtime, { type: 'outcome', output: { ok: true } }, 200);
      // The stream saw the run's events, so the feed handed them out (and measured their lag).
      await stream.until((s) => s.messages.some((m) => m.event === 'run.succeeded'), 10_000, 'run.succeeded on the stream');
      // The fake Slack fails a CFLAKY channel's first two posts: two retries, then delivered.
      await eventually(async () => ((await postsTo(process.env.E2E_SLACK_API_URL ?? '', channel)).filter((p) => p.answer === 'ok').length === 1 ? true : undefined), 20_000, 'the outcome in Slack');
      const after = await eventually(async () => {
        const now = await read();
        return now.delta(before, 'agentry_notification_deliveries_total', { channel: 'slack', outcome: 'delivered' }) === 1 ? now : undefined;
      }, 5000, 'the delivery counted');

      expect(after.delta(before, 'agentry_notification_deliveries_total', { channel: 'slack', outcome: 'retrying' })).toBe(2);
      expect(after.delta(before, 'agentry_notification_deliveries_total', { channel: 'slack', outcome: 'failed' })).toBe(0);
      expect(after.delta(before, 'agentry_runs_finished_total', { status: 'succeeded' })).toBe(1);
      expect(after.delta(before, 'agentry_run_duration_seconds_count', { status: 'succeeded' })).toBe(1);
      expect(after.delta(before, 'agentry_run_queue_wait_seconds_count')).toBe(1);
      // run.queued, run.claimed, run.started, run.succeeded at least, each measured once.
      expect(after.delta(before, 'agentry_event_feed_lag_seconds_count')).toBeGreaterThanOrEqual(4);
      expect(after.delta(before, HTTP, { route: '/api/v1/runs/:runId/events', method: 'POST', status: '200' })).toBe(2);
      expect(after.delta(before, HTTP, { route: '/api/v1/runtime/claim', method: 'POST', status: '200' })).toBe(1);
    } finally {
      stream.close();
    }
    await eventually(async () => ((await read()).value('agentry_event_streams_open') === 0 ? true : undefined), 5000, 'the stream counted closed');
  });

  it('reads queue depth, the oldest queued run, runs by status and pg-boss queues from the database, and measures schedule lag', async () => {
    // Deployed and made due within one minute: the tick deploying plans must not run first (it would be observed with under 1 s of lag).
    await clearOfMinuteEnd();
    const agent = await ok('POST', AGENTS, admin, deployableTask({ trigger: scheduleTrigger('* * * * *', 'UTC') }), 201);
    await ok('POST', `${AGENTS}/${agent.id}/deploy`, admin, undefined, 200);
    const before = await read();
    // A tick due 3 s ago: the sweep (every 200 ms) creates its run, at least 3 s late.
    await withDatabase((db) => db.query(`UPDATE agents SET next_run_at = now() - interval '3 seconds' WHERE id = $1`, [agent.id]), database.url);
    await eventually(async () => ((await call('GET', `${AGENTS}/${agent.id}/runs?trigger=schedule`, admin)).body.runs.length === 1 ? true : undefined), 10_000, 'the scheduled run');
    // And one run started by hand, a second later, also left in the queue.
    await ok('POST', `${AGENTS}/${agent.id}/runs`, admin, {}, 201);

    const after = await eventually(async () => {
      const now = await read();
      return now.value('agentry_run_queue_depth') === 2 ? now : undefined;
    }, 12_000, 'the database gauges to show both queued runs');
    expect(after.delta(before, 'agentry_schedule_lag_seconds_count')).toBe(1);
    expect(after.delta(before, 'agentry_schedule_lag_seconds_bucket', { le: '1' })).toBe(0);
    expect(after.value('agentry_metrics_database_up')).toBe(1);
    expect(after.value('agentry_runs', { status: 'queued' })).toBe(2);
    expect(after.value('agentry_runs', { status: 'running' })).toBe(0);
    expect(after.value('agentry_runs', { status: 'awaiting_approval' })).toBe(0);
    expect(after.value('agentry_run_queue_oldest_age_seconds')).toBeGreaterThan(0);
    // pg-boss's own queues, each with its states; both pools with in_use and waiting.
    expect(after.has('agentry_job_queue_jobs', { queue: 'notification-delivery', state: 'queued' })).toBe(true);
    expect(after.has('agentry_job_queue_jobs', { queue: 'schedules-sweep', state: 'active' })).toBe(true);
    for (const pool of ['app', 'jobs']) {
      for (const state of ['in_use', 'idle', 'waiting']) expect(after.has('agentry_db_pool_connections', { pool, state })).toBe(true);
    }
    // The runs gauges have no other status label (finished runs are counted as they finish).
    const statuses = new Set(after.samples.filter((s) => s.name === 'agentry_runs').map((s) => s.labels.status));
    expect([...statuses].sort()).toEqual(['awaiting_approval', 'queued', 'running']);
  }, 60_000);
});

