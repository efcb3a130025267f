import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeysService } from './api-keys.service';
import { AuthenticatedRequest } from './current-principal.decorator';
import { IS_PUBLIC } from '../../common/http/public.decorator';
import { RUNTIME_ACCESS } from './runtime-access.decorator';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { JwtVerifier, unauthenticated } from './jwt-verifier';
import type { FastifyReply } from 'fastify';
import { AddressLimiter } from '../rate-limits/address-limiter';
import { familyOf, RateLimitFamily, rateLimitHeaders } from '../rate-limits/domain/policy';
import { RATE_LIMIT_FAMILY } from '../rate-limits/rate-limit-family.decorator';
import { rateLimited, RateLimits } from '../rate-limits/rate-limits.service';
import { Principal } from './domain/principal';

/**
 * Global: every route needs a bearer token or an org API key unless marked @Public(); runtime keys only
 * @RuntimeAccess() ones. It is also where requests are counted against the rate limits: failed
 * authentications per client address before any token or key is looked at, then the caller's and the
 * org's budgets of the route's family once the caller is known.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtVerifier,
    private readonly apiKeys: ApiKeysService,
    private readonly addresses: AddressLimiter,
    private readonly rateLimits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const attempt = this.addresses.take(request.ip);
    if (attempt && !attempt.allowed) {
      void reply.headers(rateLimitHeaders([attempt]));
      throw rateLimited(attempt);
    }
    const principal = await this.authenticate(request).catch((error: unknown) => {
      // Only a refused credential counts: a database outage is not the client's failure.
      if (!(error instanceof DomainError && error.code === ErrorCode.UNAUTHENTICATED)) this.addresses.succeeded(request.ip);
      else if (attempt) void reply.headers(rateLimitHeaders([attempt]));
      throw error;
    });
    this.addresses.succeeded(request.ip);
    if (principal.isRuntime && !this.reflector.getAllAndOverride<boolean>(RUNTIME_ACCESS, [context.getHandler(), context.getClass()])) {
      throw new DomainError(ErrorCode.FORBIDDEN, 'A runtime API key may only claim runs and report their events and heartbeats.');
    }
    request.principal = { ...principal, requestId: String(request.id) };
    const family = this.reflector.getAllAndOverride<RateLimitFamily | undefined>(RATE_LIMIT_FAMILY, [context.getHandler(), context.getClass()]);
    const verdict = await this.rateLimits.check(principal, family ?? familyOf(request.method));
    if (verdict) void reply.headers(verdict.headers);
    if (verdict?.refusal) throw verdict.refusal;
    return true;
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '') return this.apiKeys.authenticate(apiKey);
    const authorization = request.headers.authorization;
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match?.[1]) throw unauthenticated('Send Authorization: Bearer <JWT> or an x-api-key header.');
    // The verifier shares one frozen principal per token; the request's id goes on a copy (above).
    return this.jwt.verify(match[1]);
  }
}
