import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RateLimitedAs } from '../rate-limits/rate-limit-family.decorator';

export const RUNTIME_ACCESS = 'agentry:runtime-access';

/**
 * Marks the few routes a `runtime` API key may call (claim, events, heartbeat); every other route answers
 * it 403. They count against the runtime's own rate-limit budget, whoever calls them.
 */
export const RuntimeAccess = () => applyDecorators(SetMetadata(RUNTIME_ACCESS, true), RateLimitedAs('runtime'));
