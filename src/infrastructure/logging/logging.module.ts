import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // nestjs-pino's default route pattern ('{/*splat}') matches nothing on Nest 12's Fastify adapter.
        forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
        pinoHttp: {
          level: config.LOG_LEVEL,
          // Fastify already assigned the id (from X-Request-Id or fresh); log under the same one.
          genReqId: (request: IncomingMessage & { id?: unknown }) => String(request.id),
          redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
          autoLogging: { ignore: (request: IncomingMessage) => request.url?.startsWith('/health/') ?? false },
          customLogLevel: (_request: IncomingMessage, response: { statusCode: number }, error?: Error) =>
            error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
