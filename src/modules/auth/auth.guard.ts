import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeysService } from './api-keys.service';
import { AuthenticatedRequest } from './current-principal.decorator';
import { IS_PUBLIC } from '../../common/http/public.decorator';
import { RUNTIME_ACCESS } from './runtime-access.decorator';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { JwtVerifier, unauthenticated } from './jwt-verifier';

/** Global: every route needs a bearer token or an org API key unless marked @Public(); runtime keys only @RuntimeAccess() ones. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtVerifier,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '') {
      const principal = await this.apiKeys.authenticate(apiKey);
      if (principal.isRuntime && !this.reflector.getAllAndOverride<boolean>(RUNTIME_ACCESS, [context.getHandler(), context.getClass()])) {
        throw new DomainError(ErrorCode.FORBIDDEN, 'A runtime API key may only claim runs and report their events and heartbeats.');
      }
      request.principal = { ...principal, requestId: String(request.id) };
      return true;
    }
    const authorization = request.headers.authorization;
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match?.[1]) throw unauthenticated('Send Authorization: Bearer <JWT> or an x-api-key header.');
    // The verifier shares one frozen principal per token; the request's id goes on a copy.
    request.principal = { ...(await this.jwt.verify(match[1])), requestId: String(request.id) };
    return true;
  }
}
