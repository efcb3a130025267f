import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable, tap } from 'rxjs';

/** Mirrors a response's `etag` field (a single agent's) into the ETag header, so both always agree. */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap((body: unknown) => {
        const etag = (body as { etag?: unknown } | undefined)?.etag;
        if (typeof etag === 'string') void context.switchToHttp().getResponse<FastifyReply>().header('ETag', etag);
      }),
    );
  }
}
