import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './database-unavailable';
import { DomainError } from './domain-error';
import { ErrorCode } from './error-code';
import { ErrorFormats } from './error-formats';
import { mapErrorCode, Problem, problemType } from './problem';

/** The Retry-After of a 503 whose cause names no wait of its own (the database, an unreachable Slack). */
const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** A refused body of declared length up to this is read and dropped after the 413 (keepReadingRefusedBody). */
const DRAINED_BODY_MAX_BYTES = 16 * 1024 * 1024;

/** Codes for errors raised by Nest or Fastify before a handler runs (routing, body parsing, limits). */
function codeForHttpStatus(status: number): ErrorCode {
  switch (status) {
    case HttpStatus.NOT_FOUND:
      return ErrorCode.ROUTE_NOT_FOUND;
    case HttpStatus.METHOD_NOT_ALLOWED:
      return ErrorCode.METHOD_NOT_ALLOWED;
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case HttpStatus.URI_TOO_LONG:
      return ErrorCode.URI_TOO_LONG;
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return ErrorCode.UNSUPPORTED_MEDIA_TYPE;
    case HttpStatus.UNAUTHORIZED:
      return ErrorCode.UNAUTHENTICATED;
    case HttpStatus.FORBIDDEN:
      return ErrorCode.FORBIDDEN;
    case HttpStatus.SERVICE_UNAVAILABLE:
      return ErrorCode.DATABASE_UNAVAILABLE;
    default:
      return status < 500 ? ErrorCode.MALFORMED_REQUEST : ErrorCode.INTERNAL;
  }
}

const logger = new Logger('ProblemFilter');

/**
 * The only place errors become HTTP: every response with a status of 400 or more is the problem its
 * error maps to, in the format of the request's route family (problem+json unless a module registered
 * another), and nothing internal (stack, SQL, driver messages) leaves the process. Global, so it also
 * answers what Fastify raises before a route (body parsing, limits) and unmatched routes.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly formats: ErrorFormats) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.formats);
  }
}

/** Answers `exception` as its problem: a 5xx logged with the request id, the headers every error answer carries, the body in the route family's format. */
export function sendError(exception: unknown, request: FastifyRequest, reply: FastifyReply, formats: ErrorFormats): void {
  const problem = toProblem(exception, String(request.id));
  if (problem.status >= 500) logger.error({ err: exception, requestId: problem.requestId, code: problem.code }, 'request failed');
  if (problem.code === ErrorCode.UNAUTHENTICATED) reply.header('WWW-Authenticate', 'Bearer');
  const retryAfter = exception instanceof DomainError && exception.retryAfterSeconds !== undefined ? exception.retryAfterSeconds : problem.status === 503 ? DEFAULT_RETRY_AFTER_SECONDS : undefined;
  if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
  if (problem.status === 413) keepReadingRefusedBody(request, reply);
  const { contentType, body } = formats.render(request.url, problem);
  void reply.status(problem.status).type(contentType).send(body);
}

/**
 * Fastify closes the connection after refusing a body, so that a client cannot go on sending; but a
 * client still writing a body of declared length then finds the connection reset before it reads the
 * 413 (fetch's "write EPIPE"). Up to a bound, the connection stays open instead: Node reads the rest of
 * the body and drops it once the answer is sent, the client reads its 413, and the connection is ready
 * for its next request. A longer body, or one of undeclared length, is still cut off.
 */
function keepReadingRefusedBody(request: FastifyRequest, reply: FastifyReply): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isSafeInteger(declared) && declared <= DRAINED_BODY_MAX_BYTES) reply.removeHeader('connection');
}

export function toProblem(exception: unknown, requestId: string): Problem {
  if (exception instanceof DomainError) {
    return build(exception.code, exception.detail, requestId, exception.errors);
  }
  if (isDatabaseUnavailable(exception)) {
    return build(ErrorCode.DATABASE_UNAVAILABLE, 'The database cannot be reached; retry shortly.', requestId);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = codeForHttpStatus(status);
    return { ...build(code, publicMessage(exception, status), requestId), status };
  }
  const fastifyError = exception as { statusCode?: unknown; message?: unknown };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const code = codeForHttpStatus(fastifyError.statusCode);
    return { ...build(code, String(fastifyError.message ?? ''), requestId), status: fastifyError.statusCode };
  }
  return build(ErrorCode.INTERNAL, 'An unexpected error occurred; it has been logged with this request id.', requestId);
}

function publicMessage(exception: HttpException, status: number): string {
  if (status >= 500) return 'An unexpected error occurred; it has been logged with this request id.';
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
}

function build(code: ErrorCode, detail: string, requestId: string, errors?: Problem['errors']): Problem {
  const { status, title } = mapErrorCode(code);
  return { type: problemType(code), title, status, detail, code, requestId, ...(errors ? { errors } : {}) };
}
