import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { stdSerializers } from 'pino';
import { AppConfig } from '../config/app-config';
import { ServiceLogger } from './service-logger';

/**
 * On a terminal, lines a person can read (pino-pretty, in a worker thread); anywhere else (a container,
 * a file, a pipe to a collector) one JSON object per line.
 */
const readableOnTerminal = () =>
  process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true } } } : {};

/** Fastify's middleware layer copies the request's id and `ip` (the client as TRUST_PROXY decides) onto the raw request. */
type LoggedRequest = IncomingMessage & { id?: unknown; ip?: string; originalUrl?: string };

/** Middleware mounts may rewrite `url`; the path the client asked for survives in `originalUrl`. */
const pathOf = (request: LoggedRequest): string => request.originalUrl ?? request.url ?? '';

/**
 * What a request line says, chosen field by field. Headers are left out: they carry credentials
 * (which an allowlist cannot leak, where a redaction list can miss one), and copying and redacting
 * them on every request was the largest single allocation of a request's log line.
 */
const serializers = {
  req: (request: LoggedRequest) => ({
    id: request.id,
    method: request.method,
    url: pathOf(request),
    remoteAddress: request.ip,
    userAgent: request.headers['user-agent'],
  }),
  res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
  err: stdSerializers.err,
};

@Module({
  providers: [ServiceLogger],
  exports: [ServiceLogger],
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // nestjs-pino's default route pattern ('{/*splat}') matches nothing on Nest 12's Fastify adapter.
        forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
        pinoHttp: {
          level: config.LOG_LEVEL,
          ...readableOnTerminal(),
          // Fastify already assigned the id (from X-Request-Id or fresh); log under the same one.
          genReqId: (request: LoggedRequest) => String(request.id),
          serializers,
          // Ours get the raw request and response, not pino-std-serializers' copies of them.
          wrapSerializers: false,
          // Probes poll every few seconds and would drown the lines that matter.
          autoLogging: { ignore: (request: LoggedRequest) => pathOf(request).startsWith('/health/') },
          customLogLevel: (_request: IncomingMessage, response: { statusCode: number }, error?: Error) =>
            error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
