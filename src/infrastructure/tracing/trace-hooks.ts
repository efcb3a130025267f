/**
 * What the service asks of tracing, without loading OpenTelemetry: these do nothing (or run the work
 * as it is) until tracing.ts, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set, installs the real
 * ones before the application starts. So with tracing off no OpenTelemetry module is even required.
 */
export interface TraceHooks {
  /** Runs a job of pg-boss queue `queue` (a sweep, a delivery) in a span of its own, the root of a trace; its queries are children. */
  inJob<T>(queue: string, work: () => Promise<T>): Promise<T>;
  /** Names the current request's server span by its route template (`POST /api/v1/agents/:id/runs`). */
  nameRoute(method: string, route: string): void;
  /** The W3C `traceparent` of the current span (a request's server span), or null outside a sampled trace. */
  traceparent(): string | null;
}

const untraced: TraceHooks = {
  inJob: (_queue, work) => work(),
  nameRoute: () => undefined,
  traceparent: () => null,
};

let installed: TraceHooks = untraced;

/** The hooks in force; read on every call, since tracing installs its hooks once, before the app starts. */
export const tracing: TraceHooks = {
  inJob: (queue, work) => installed.inJob(queue, work),
  nameRoute: (method, route) => installed.nameRoute(method, route),
  traceparent: () => installed.traceparent(),
};

export function installTraceHooks(hooks: TraceHooks): void {
  installed = hooks;
}
