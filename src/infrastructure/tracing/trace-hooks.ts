/**
 * What the service asks of tracing, without loading OpenTelemetry: these do nothing (or run the work
 * as it is) until tracing.ts, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set, installs the real
 * ones before the application starts. So with tracing off no OpenTelemetry module is even required.
 */
export interface TraceHooks {
  /** Runs background work (a job, a sweep) in a span of its own, the root of a trace; its queries are children. */
  inSpan<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Names the current request's server span by its route template (`POST /api/v1/agents/:id/runs`). */
  nameRoute(method: string, route: string): void;
  /** The W3C `traceparent` of the current span (a request's server span), or null outside a sampled trace. */
  traceparent(): string | null;
}

const untraced: TraceHooks = {
  inSpan: (_name, work) => work(),
  nameRoute: () => undefined,
  traceparent: () => null,
};

let installed: TraceHooks = untraced;

/** The hooks in force; read on every call, since tracing installs its hooks once, before the app starts. */
export const tracing: TraceHooks = {
  inSpan: (name, work) => installed.inSpan(name, work),
  nameRoute: (method, route) => installed.nameRoute(method, route),
  traceparent: () => installed.traceparent(),
};

export function installTraceHooks(hooks: TraceHooks): void {
  installed = hooks;
}
