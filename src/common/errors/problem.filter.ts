import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../../infrastructure/database/database-unavailable';
import { DomainError } from './domain-error';
import { ErrorCode } from './error-code';
import { mapErrorCode, Problem, PROBLEM_CONTENT_TYPE, problemType } from './problem';

/** The Retry-After of a 503 whose cause names no wait of its own (the database, an unreachable Slack). */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

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

/**
 * The only place errors become HTTP: every response with a status of 400 or more is problem+json,
 * and nothing internal (stack, SQL, driver messages) leaves the process.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { problem, reply } = answerProblem(exception, host, this.logger);
    void reply.type(PROBLEM_CONTENT_TYPE).send(problem);
  }
}

/**
 * Turns any exception into its problem document, logs a 5xx with the request id, and sets the status
 * and headers every error answer carries; the caller sends the body in its own format (problem+json,
 * or the envelope of the compatibility routes).
 */
export function answerProblem(exception: unknown, host: ArgumentsHost, logger: Logger): { problem: Problem; reply: FastifyReply } {
  const http = host.switchToHttp();
  const request = http.getRequest<FastifyRequest>();
  const reply = http.getResponse<FastifyReply>();
  const problem = toProblem(exception, String(request.id));
  if (problem.status >= 500) logger.error({ err: exception, requestId: problem.requestId, code: problem.code }, 'request failed');
  if (problem.code === ErrorCode.UNAUTHENTICATED) reply.header('WWW-Authenticate', 'Bearer');
  const retryAfter = exception instanceof DomainError && exception.retryAfterSeconds !== undefined ? exception.retryAfterSeconds : problem.status === 503 ? DEFAULT_RETRY_AFTER_SECONDS : undefined;
  if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
  void reply.status(problem.status);
  return { problem, reply };
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
