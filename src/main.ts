import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, ConfigError, validateConfig } from './infrastructure/config/app-config';
import type { EmbeddedDatabase } from './infrastructure/database/embedded-database';

function loadConfig(): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return validateConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Stops accepting, lets in-flight requests finish, then closes. Nest's close() alone would close the
 * pool before the HTTP server; and keep-alive sockets that turn idle after their last response must be
 * closed as they do, or the server waits for the client's keep-alive timeout.
 */
async function drainHttp(app: NestFastifyApplication, inFlight: () => number): Promise<void> {
  const server = app.getHttpServer() as Server;
  const closing = app.getHttpAdapter().getInstance().close();
  // A connection that never sent a request (an aborted fetch leaves one) is not idle to Node, which
  // would wait for its headers timeout (a minute); once nothing is in flight, every connection goes.
  const sweeper = setInterval(() => (inFlight() === 0 ? server.closeAllConnections() : server.closeIdleConnections()), 50);
  try {
    await closing;
  } finally {
    clearInterval(sweeper);
  }
}

/** The address the server really bound (HOST may be a name, or every interface), as a URL. */
function boundUrl(app: NestFastifyApplication): string {
  const { address, family, port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
}

function developmentSecretNotice(config: AppConfig): string {
  const secret = 'No AUTH_JWT_SECRET or AUTH_JWKS_URL: using the development JWT secret (`npm run token` mints tokens for it)';
  return config.HOST
    ? `${secret}; HOST=${config.HOST} lets anyone who reaches that address mint tokens with it.`
    : `${secret}, so listening on 127.0.0.1 only, where no other machine can use it; set HOST to choose the address, or a real AUTH_JWT_SECRET or AUTH_JWKS_URL to listen on every interface.`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Tracing patches `http` and `pg` as they are loaded, so it starts before anything requires them:
  // the application's modules are required below, after it. Without an endpoint nothing of it loads.
  const stopTracing = config.OTEL_EXPORTER_OTLP_ENDPOINT ? (require('./infrastructure/tracing/tracing') as typeof import('./infrastructure/tracing/tracing')).startTracing(config) : undefined;
  const { EmbeddedDatabase } = require('./infrastructure/database/embedded-database') as typeof import('./infrastructure/database/embedded-database');
  const { createApp } = require('./create-app') as typeof import('./create-app');
  const { Logger } = require('nestjs-pino') as typeof import('nestjs-pino');
  let embedded: EmbeddedDatabase | undefined;
  if (!config.DATABASE_URL) {
    process.stdout.write(`No DATABASE_URL: starting embedded PostgreSQL in ${config.EMBEDDED_PG_DATA_DIR} on port ${config.EMBEDDED_PG_PORT}\n`);
    embedded = await EmbeddedDatabase.start({ dataDir: config.EMBEDDED_PG_DATA_DIR, port: config.EMBEDDED_PG_PORT, persistent: true });
    process.env.DATABASE_URL = embedded.url;
  }

  const app = await createApp(config).catch(async (error: unknown) => {
    await embedded?.stop();
    throw error;
  });
  const logger = app.get(Logger);
  let requestsInFlight = 0;
  (app.getHttpServer() as Server).on('request', (_request, response: ServerResponse) => {
    requestsInFlight += 1;
    response.once('close', () => (requestsInFlight -= 1));
  });
  await app.listen({ port: config.PORT, host: config.listenHost });
  const url = boundUrl(app);
  logger.log(`Agentry listening on ${url}${config.SWAGGER_ENABLED ? `; Swagger UI at ${url}/docs` : ''}`);
  if (config.usesDevelopmentSecret) logger.warn(developmentSecretNotice(config));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: draining in-flight requests, then stopping`);
    await drainHttp(app, () => requestsInFlight);
    await app.close();
    // The spans of the last requests and jobs are still in the exporter's batch.
    await stopTracing?.().catch(() => undefined);
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Agentry failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
