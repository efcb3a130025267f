import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { IfMatchCondition, parseIfMatch } from './if-match';

const documentIfMatch = ApiHeader({
  name: 'If-Match',
  required: false,
  schema: { type: 'string' },
  description: "Optional. The ETag (`etag` in its body) of what the route changes, as read: the agent's, or on environment routes the environment's. A stale one gets 412 and changes nothing. Omit it to write unconditionally.",
});

/**
 * The parsed `If-Match` request header (undefined when absent), documented once as optional. Nest's
 * `@Headers('if-match')` would also document a second, required `if-match` header, which Swagger UI
 * and generated clients enforce.
 */
export const IfMatch = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IfMatchCondition | undefined => {
    const value = context.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
    return typeof value === 'string' ? parseIfMatch(value) : undefined;
  },
  [(target, key) => documentIfMatch(target, key as string | symbol, Object.getOwnPropertyDescriptor(target, key as string | symbol) as PropertyDescriptor)],
);
