import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP JSON export carries it, with ids as lowercase hex. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** OTLP's span kinds. */
export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

/** OTLP JSON ids are hex (the spec); a base64 one (protobuf's JSON mapping) is turned into hex too. */
const hex = (id: unknown): string => (typeof id !== 'string' || id === '' ? '' : /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex'));

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const valueOf = (value: AnyValue | undefined): unknown => value?.stringValue ?? value?.intValue ?? value?.boolValue ?? value?.doubleValue;

/**
 * An OpenTelemetry collector in miniature: an HTTP server on loopback that takes OTLP/HTTP JSON trace
 * exports (POST /v1/traces, what OTEL_EXPORTER_OTLP_PROTOCOL=http/json sends) and keeps their spans.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | undefined;
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        if (request.url === '/v1/traces' && request.method === 'POST') receiver?.take(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new OtlpReceiver(server);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  inTrace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(body: string): void {
    const exported = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
    for (const resource of exported.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const attributes = Object.fromEntries(((span.attributes as { key: string; value: AnyValue }[]) ?? []).map((a) => [a.key, valueOf(a.value)]));
          this.spans.push({
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: String(span.name),
            kind: Number(span.kind),
            attributes,
          });
        }
      }
    }
  }
}
