import type { IncomingMessage } from 'node:http';
import { installTraceHooks } from './trace-hooks';

/** Not traced: probes and scrapes poll every few seconds and would bury the traces that matter. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

/**
 * Starts OpenTelemetry (SPEC §16): HTTP server spans that continue an incoming `traceparent` and are
 * named by route template, a span per query (pg) inside a traced request or job, and spans for
 * background jobs (trace-hooks.ts). Exports over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT; the SDK reads
 * the other OTEL_* variables itself (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_TRACES_SAMPLER, …).
 *
 * main.ts calls this before it loads the application, because the instrumentations patch `http` and
 * `pg` as they are required; and only when the endpoint is set, so an untraced service loads none of
 * these modules. They are required here, not imported at the top, for that reason. The versions are
 * the last that run on Node 20 (docs/decisions.md, "Issue #26: Metrics and tracing").
 */
export function startTracing(config: { OTEL_SERVICE_NAME: string }): () => Promise<void> {
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { context, propagation, SpanStatusCode, trace, isSpanContextValid } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { getRPCMetadata, RPCType } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');

  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME,
    // Traces only: the service's metrics are GET /metrics (Prometheus), and its logs stdout. Without
    // these the SDK would also export OTLP metrics and logs to the same endpoint.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.test(request.url ?? ''),
        // The service's own outgoing calls (Slack) become children of what caused them; none starts a trace.
        requireParentforOutgoingSpans: true,
      }),
      // Only queries inside a traced request or job: pg-boss polls its tables all the time.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  const tracer = trace.getTracer('agentry');

  installTraceHooks({
    inJob: (queue, work) =>
      tracer.startActiveSpan(`job ${queue}`, { root: true, attributes: { 'agentry.job.queue': queue } }, async (span) => {
        try {
          return await work();
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      }),
    nameRoute: (method, route) => {
      const active = context.active();
      const metadata = getRPCMetadata(active);
      // The HTTP instrumentation names its server span `METHOD route` and sets http.route from this when the response ends.
      if (metadata?.type === RPCType.HTTP) metadata.route = route;
      trace.getSpan(active)?.updateName(`${method} ${route}`);
    },
    traceparent: () => {
      const span = trace.getSpan(context.active());
      if (!span || !isSpanContextValid(span.spanContext())) return null;
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent ?? null;
    },
  });
  return () => sdk.shutdown();
}
