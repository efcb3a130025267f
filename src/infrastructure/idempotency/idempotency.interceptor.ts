import { CallHandler, ExecutionContext, HttpStatus, Injectable, Logger, NestInterceptor, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { IDEMPOTENT, IdempotentOptions } from './idempotent.decorator';
import { IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey, requestFingerprint } from './idempotency-key';
import { IdempotencyScope, runInIdempotencyScope } from './idempotency-scope';
import { IdempotencyKeyRow, IdempotencyStore, StoredAnswer } from './idempotency.store';

/** The headers a replay repeats (SPEC §15). */
const REPLAYED_HEADERS = ['etag', 'location'] as const;

/** The caller as the auth guard resolved it (modules/auth's Principal, read structurally from below it). */
type CallerRequest = FastifyRequest & { principal?: { orgId: string; subject: string } };

/**
 * `Idempotency-Key` for the routes marked `@Idempotent()` (global, so a route needs only the decorator).
 * Guards ran before (the caller is known); pipes and the handler run inside `next.handle()`, in the
 * key's scope, so the unit of work marks the key in the write's own transaction.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<Required<IdempotentOptions> | undefined>(IDEMPOTENT, context.getHandler());
    if (!options) return next.handle();
    const request = context.switchToHttp().getRequest<CallerRequest>();
    const header = request.headers['idempotency-key'];
    const caller = request.principal;
    if (header === undefined || !caller) return next.handle();
    return from(this.handle(context, next, options, parseIdempotencyKey(header), caller));
  }

  private async handle(context: ExecutionContext, next: CallHandler, options: Required<IdempotentOptions>, key: string, caller: { orgId: string; subject: string }): Promise<unknown> {
    const request = context.switchToHttp().getRequest<CallerRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const decision = await this.store.decide(caller.orgId, caller.subject, key, fingerprint);
    if ('existing' in decision) return this.answerExisting(decision.existing, fingerprint, options, reply);

    const { id, token } = decision.act;
    const status = this.successStatus(context);
    const scope = new IdempotencyScope(id, token, options.answerIsResult ? status : null);
    let committed = false;
    try {
      const body = await runInIdempotencyScope(scope, () => lastValueFrom(next.handle(), { defaultValue: undefined }));
      committed = true;
      scope.close();
      await this.store
        .complete(id, token, { status, body: withoutSecrets(body, options.secretFields), headers: replayedHeaders(reply) })
        .catch((error: unknown) => this.logger.warn(`idempotency key ${id}: the answer was not stored (${String(error)}); a repeat replays what the write committed`));
      return body;
    } catch (error) {
      scope.close();
      if (!committed) await this.store.release(id, token).catch(() => undefined);
      throw error;
    }
  }

  private answerExisting(row: IdempotencyKeyRow, fingerprint: string, options: Required<IdempotentOptions>, reply: FastifyReply): unknown {
    if (row.fingerprint !== fingerprint) {
      throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was first used with another request (method, path or body); use a new key for a new request.');
    }
    if (row.state === 'in_flight' || (row.state === 'committed' && row.held)) {
      throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_IN_USE, 'The first request with this Idempotency-Key is still in flight; retry after it finished.', undefined, 1);
    }
    if (row.state === 'committed' && (!options.answerIsResult || row.responseStatus === null)) {
      throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_IN_USE, 'The first request with this Idempotency-Key was carried out, but its answer was lost; read the resource instead of repeating.');
    }
    const answer: StoredAnswer = { status: row.responseStatus ?? HttpStatus.OK, body: row.responseBody, headers: row.responseHeaders ?? etagOf(row.responseBody) };
    void reply.status(answer.status).header(IDEMPOTENT_REPLAYED_HEADER, 'true');
    for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value);
    return answer.body;
  }

  /** The route's success status: its @HttpCode, else Nest's default for the method (201 for POST). */
  private successStatus(context: ExecutionContext): number {
    const code = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler());
    if (code !== undefined) return code;
    return context.switchToHttp().getRequest<FastifyRequest>().method === RequestMethod[RequestMethod.POST] ? HttpStatus.CREATED : HttpStatus.OK;
  }
}

function replayedHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** A committed result replayed after a crash: its ETag is the body's `etag` field, as the EtagInterceptor sends it. */
function etagOf(body: unknown): Record<string, string> {
  const etag = (body as { etag?: unknown } | null)?.etag;
  return typeof etag === 'string' ? { etag } : {};
}

function withoutSecrets(body: unknown, fields: string[]): unknown {
  if (fields.length === 0 || body === null || typeof body !== 'object') return body;
  return Object.fromEntries(Object.entries(body).filter(([name]) => !fields.includes(name)));
}
