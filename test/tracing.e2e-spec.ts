import { randomBytes } from 'node:crypto';
import { AGENTS, deployableTask, freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { api } from './support/http';
import { OtlpReceiver, ReceivedSpan, SPAN_KIND } from './support/otlp-receiver';
import { auth, Caller, user } from './support/principals';
import { eventually } from './support/runs';

/**
 * Issue #26: OpenTelemetry. The built service, as deployed, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at
 * an OTLP/HTTP receiver on loopback (tracing must start before the app loads, so it is a process of
 * its own). JSON exports, flushed every 100 ms.
 */
describe('tracing', () => {
  let receiver: OtlpReceiver;
  let app: AppProcess;
  const org = freshOrg();
  const admin = user(org, 'tracing-admin', { admin: true });

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    app = await startApp(suiteEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' }));
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await receiver?.stop();
  });

  const ok = async (method: string, path: string, who: Caller, body: unknown, status: number, headers: Record<string, string> = {}) => {
    const response = await api(method, path, { ...auth(who), body, headers, baseUrl: app.url });
    if (response.status !== status) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const spansWhere = (what: string, match: (spans: ReceivedSpan[]) => boolean, traceId?: string) =>
    eventually(async () => {
      const spans = traceId ? receiver.inTrace(traceId) : receiver.spans;
      return match(spans) ? spans : undefined;
    }, 10_000, what);

  it('continues the caller\'s trace through POST /runs, the claim and the runtime\'s reports, with database spans', async () => {
    const agent = await ok('POST', AGENTS, admin, deployableTask(), 201);
    await ok('POST', `${AGENTS}/${agent.id}/deploy`, admin, undefined, 200);
    const runtime = { apiKey: (await ok('POST', '/api/v1/api-keys', admin, { name: 'traced runtime', role: 'runtime' }, 201)).key };

    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const run = await ok('POST', `${AGENTS}/${agent.id}/runs`, admin, {}, 201, { traceparent: `00-${traceId}-${callerSpan}-01` });
    const claimed = await ok('POST', '/api/v1/runtime/claim', runtime, { agentIds: [agent.id], waitSeconds: 10 }, 200);
    expect(claimed.run.id).toBe(run.id);
    // The run's trace context: the caller's trace, and the span of the request that created the run.
    const [, claimedTrace, runSpan] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(claimed.traceparent) ?? [];
    expect(claimedTrace).toBe(traceId);
    // The runtime sends it on its reports, which join the same trace under that span.
    await ok('POST', `/api/v1/runs/${run.id}/events`, runtime, { type: 'started' }, 200, { traceparent: claimed.traceparent });

    const spans = await spansWhere('the runtime\'s report in the trace', (all) => all.some((s) => s.name === 'POST /api/v1/runs/:runId/events'), traceId);
    const created = spans.find((s) => s.name === 'POST /api/v1/agents/:id/runs');
    expect(created).toMatchObject({ kind: SPAN_KIND.SERVER, parentSpanId: callerSpan, spanId: runSpan, attributes: { 'http.route': '/api/v1/agents/:id/runs' } });
    const reported = spans.find((s) => s.name === 'POST /api/v1/runs/:runId/events');
    expect(reported).toMatchObject({ kind: SPAN_KIND.SERVER, parentSpanId: runSpan });
    // The INSERT of the run, a database span under the request that created it.
    const inserts = spans.filter((s) => s.kind === SPAN_KIND.CLIENT && s.parentSpanId === runSpan && /INSERT INTO runs/.test(String(s.attributes['db.statement'] ?? s.attributes['db.query.text'] ?? '')));
    expect(inserts).toHaveLength(1);
    expect(inserts[0].attributes['db.system'] ?? inserts[0].attributes['db.system.name']).toBe('postgresql');
    // The claim is the runtime's own request: not in this trace.
    expect(spans.some((s) => s.name === 'POST /api/v1/runtime/claim')).toBe(false);
  });

  it('traces background jobs with their queries, and leaves probes and scrapes out', async () => {
    // Sweeps run every 200 ms here; each is a root span whose queries are its children.
    const spans = await spansWhere('a sweep with a query', (all) => {
      const sweeps = new Set(all.filter((s) => s.name.startsWith('job runs-') && s.parentSpanId === '').map((s) => s.spanId));
      // The time-out sweep's own span too: the sweeps start in no fixed order, so one with a query may come first.
      return all.some((s) => s.kind === SPAN_KIND.CLIENT && sweeps.has(s.parentSpanId)) && all.some((s) => s.name === 'job runs-time-out');
    });
    expect(spans.find((s) => s.name === 'job runs-time-out')?.attributes).toMatchObject({ 'agentry.job.queue': 'runs-time-out' });

    // GET /metrics needs no credentials when METRICS_TOKEN is unset; neither it nor /health is traced.
    expect((await api('GET', '/metrics', { baseUrl: app.url })).status).toBe(200);
    expect((await api('GET', '/health/ready', { baseUrl: app.url })).status).toBe(200);
    const marker = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    await ok('GET', AGENTS, admin, undefined, 200, { traceparent: marker });
    await spansWhere('the request after them', (all) => all.some((s) => s.name === 'GET /api/v1/agents'));
    expect(receiver.spans.filter((s) => /metrics|health/.test(s.name))).toEqual([]);
  });
});
