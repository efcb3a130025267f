import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ServiceLogger } from './infrastructure/logging/service-logger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppModule } from './app.module';
import { DomainError } from './common/errors/domain-error';
import { ErrorCode } from './common/errors/error-code';
import { ErrorFormats } from './common/errors/error-formats';
import { sendError } from './common/errors/problem.filter';
import { InputLimitsPipe } from './common/validation/input-limits.pipe';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig } from './infrastructure/config/app-config';
import { REQUEST_ID_HEADER, requestIdFor } from './infrastructure/logging/request-id';
import { Metrics } from './infrastructure/metrics/metrics';
import { tracing } from './infrastructure/tracing/trace-hooks';
import { setupSwagger } from './infrastructure/swagger/swagger';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The router's limit on one path segment. No route parameter names anything longer than 80 characters
 * (slugs; ids and UUIDs are shorter), so a longer segment still reaches its route and is the route's
 * own 404 or 400; only past this is it refused before routing, with 414.
 */
const MAX_PARAM_LENGTH = 2048;

/**
 * The router refuses a malformed or over-long path before any hook or filter runs; without this it
 * answers in Fastify's own JSON, without a request id. It answers as the exception filter does, in the
 * route family's format.
 */
function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply, formats: ErrorFormats): void {
  const refusal =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new DomainError(ErrorCode.URI_TOO_LONG, `A path segment is longer than ${MAX_PARAM_LENGTH} characters.`)
      : new DomainError(ErrorCode.MALFORMED_REQUEST, 'The path is not valid percent-encoded UTF-8.');
  sendError(refusal, request, reply.header(REQUEST_ID_HEADER, request.id), formats);
}

/**
 * Helmet's defaults, loosened only where Swagger UI at /docs needs it: its page and components use
 * inline styles and data: images. Scripts stay same-origin only (the UI's scripts are files, none
 * inline), and upgrade-insecure-requests is off, since it would send a plain-HTTP deployment's
 * /docs assets to an https:// origin that does not exist.
 */
const SWAGGER_UI_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

/**
 * The headers helmet sets for `options`, read once from its middleware. They are the same on every
 * answer (no nonces, no per-request directives), and running helmet per request, as @fastify/helmet
 * does (it even rebuilds the middleware each time), cost a fifth of GET's throughput and ~100 MB of
 * peak RSS under the benchmark's load.
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = { setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)), removeHeader: () => undefined };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * CORS for the configured origins only (CORS_ORIGINS; without it the service sends no CORS headers and
 * browsers keep other sites' pages out). A page from any other origin gets no CORS header at all, and
 * its preflight the 404 of an unknown route. Credentials are headers (Authorization, x-api-key), not
 * cookies, so no Allow-Credentials.
 */
function enableCors(app: NestFastifyApplication, origins: string[]): void {
  const allowed = new Set(origins);
  app.enableCors({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // Last-Event-ID: a browser following an event stream with fetch resumes with it (EventSource cannot send a token).
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'Last-Event-ID', 'X-Api-Key', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Idempotent-Replayed', 'Location', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id'],
    maxAge: 600,
    // Strict mode answers an OPTIONS without Access-Control-Request-Method with a text/plain 400,
    // the one error that would not be problem+json; it is harmless to answer it as a preflight.
    strictPreflight: false,
  });
}

/**
 * Each request's duration by route template (a path that matched no route is one label, so an id never
 * becomes a series), and its trace span named by the same template; the router has matched by onRequest.
 */
function observeRequests(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined) tracing.nameRoute(request.method, route);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: requestIdFor,
    logger: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Called only for requests, so only once `app` exists.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => frameworkError(error, request, reply, app.get(ErrorFormats)),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(ServiceLogger));
  const { corsOrigins } = config;
  if (corsOrigins) enableCors(app, corsOrigins);
  // In this order: the input limits first, so no validator walks a hostile depth or unstorable text.
  app.useGlobalPipes(new InputLimitsPipe(), createValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  const securityHeaders = helmetHeaders({ contentSecurityPolicy: { directives: SWAGGER_UI_CSP } });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id).headers(securityHeaders);
    done();
  });
  observeRequests(fastify, app.get(Metrics));
  // Nest's own body parser is off so this one is the only JSON parser: action routes (deploy,
  // toggle, undelete) take no body, and clients that send Content-Type: application/json with
  // nothing after it should not get a 400.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, String(body), done),
  );
  if (app.get(AppConfig).SWAGGER_ENABLED) setupSwagger(app);
  return app;
}
