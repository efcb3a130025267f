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

/** How often a start that waits on the embedded database says it is still waiting. */
const PROGRESS_EVERY_MS = 5000;

/**
 * Starts the embedded PostgreSQL, saying what it does: the first start creates a cluster (about 20 s on
 * a laptop), so a line every few seconds shows the service is not stuck. Its server runs in a process
 * group of its own, so Ctrl-C reaches only the service, which stops it after draining.
 */
async function startEmbeddedDatabase(config: AppConfig): Promise<EmbeddedDatabase> {
  // Required here, after tracing started (it loads pg).
  const { EmbeddedDatabase } = require('./infrastructure/database/embedded-database') as typeof import('./infrastructure/database/embedded-database');
  const fresh = !existsSync(`${config.EMBEDDED_PG_DATA_DIR}/PG_VERSION`);
  process.stdout.write(
    fresh
      ? `No DATABASE_URL: creating an embedded PostgreSQL in ${config.EMBEDDED_PG_DATA_DIR} on port ${config.EMBEDDED_PG_PORT} (first start only; about 20 s)\n`
      : `No DATABASE_URL: starting the embedded PostgreSQL in ${config.EMBEDDED_PG_DATA_DIR} on port ${config.EMBEDDED_PG_PORT}\n`,
  );
  const started = Date.now();
  const progress = setInterval(() => process.stdout.write(`…still ${fresh ? 'creating' : 'starting'} the embedded PostgreSQL (${Math.round((Date.now() - started) / 1000)} s)\n`), PROGRESS_EVERY_MS);
  try {
    const database = await EmbeddedDatabase.start({ dataDir: config.EMBEDDED_PG_DATA_DIR, port: config.EMBEDDED_PG_PORT, persistent: true, detached: true });
    process.stdout.write(`Embedded PostgreSQL ready after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return database;
  } finally {
    clearInterval(progress);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Tracing patches `http` and `pg` as they are loaded, so it starts before anything requires them:
  // the application's modules are required below, after it. Without an endpoint nothing of it loads.
  const stopTracing = config.OTEL_EXPORTER_OTLP_ENDPOINT ? (require('./infrastructure/tracing/tracing') as typeof import('./infrastructure/tracing/tracing')).startTracing(config) : undefined;
  const { createApp } = require('./create-app') as typeof import('./create-app');
  const { refuseSchemaBehind } = require('./infrastructure/database/migrate-exclusively') as typeof import('./infrastructure/database/migrate-exclusively');
  const { ServiceLogger } = require('./infrastructure/logging/service-logger') as typeof import('./infrastructure/logging/service-logger');
  // A signal during the start is acted on once the step under way ends: the embedded database runs in
  // its own process group, so the service must stop it itself rather than leave it behind.
  let stopRequested: string | undefined;
  const stopWhenStarted = (signal: string) => {
    stopRequested ??= signal;
    process.stdout.write(`${signal}: stopping as soon as the step under way ends\n`);
  };
  process.on('SIGINT', stopWhenStarted);
  process.on('SIGTERM', stopWhenStarted);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.DATABASE_URL) {
    embedded = await startEmbeddedDatabase(config);
    process.env.DATABASE_URL = embedded.url;
    if (stopRequested) {
      await embedded.stop();
      process.stdout.write('Agentry stopped\n');
      process.exit(0);
    }
  }

  if (!config.AUTO_MIGRATE) {
    await refuseSchemaBehind(config, process.env.DATABASE_URL ?? '').catch(async (error: unknown) => {
      await embedded?.stop();
      throw error;
    });
  }
  const app = await createApp(config).catch(async (error: unknown) => {
    await embedded?.stop();
    throw error;
  });
  const stopEmbedded = async () => {
    await embedded?.stop();
    embedded = undefined;
  };
  const logger = app.get(ServiceLogger);
  let requestsInFlight = 0;
  (app.getHttpServer() as Server).on('request', (_request, response: ServerResponse) => {
    requestsInFlight += 1;
    response.once('close', () => (requestsInFlight -= 1));
  });
  await app.listen({ port: config.PORT, host: config.listenHost }).catch(async (error: NodeJS.ErrnoException) => {
    await app.close();
    await stopEmbedded();
    if (error.code !== 'EADDRINUSE') throw error;
    throw new Error(`Port ${config.PORT} on ${config.listenHost} is already in use (is Agentry already running?): stop that process or set PORT to a free port.`);
  });
  const url = boundUrl(app);
  logger.log(`Agentry listening on ${url}${config.SWAGGER_ENABLED ? `; Swagger UI at ${url}/docs` : ''}`);
  if (config.usesDevelopmentSecret) logger.warn(developmentSecretNotice(config));

  let stopping = false;
  const shutdown = async (signal: string) => {
    // A second Ctrl-C must not kill the service mid-drain: the embedded database would be left running.
    if (stopping) return void logger.log(`${signal}: already stopping`);
    stopping = true;
    logger.log(`${signal}: draining in-flight requests, then stopping`);
    await drainHttp(app, () => requestsInFlight);
    await app.close();
    // The spans of the last requests and jobs are still in the exporter's batch.
    await stopTracing?.().catch(() => undefined);
    await stopEmbedded();
    logger.log('Agentry stopped');
    // The logger may hand lines to a worker (pino-pretty on a terminal); give it a moment to print the last.
    setTimeout(() => process.exit(0), 100);
  };
  process.off('SIGINT', stopWhenStarted);
  process.off('SIGTERM', stopWhenStarted);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  if (stopRequested) void shutdown(stopRequested);
}

main().catch((error: unknown) => {
  process.stderr.write(`Agentry failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
