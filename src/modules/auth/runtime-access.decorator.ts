import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { RUNTIME_ACCESS_EXTENSION } from '../../common/swagger/finish-document';
import { RateLimitedAs } from '../rate-limits/rate-limit-family.decorator';

export const RUNTIME_ACCESS = 'agentry:runtime-access';

/**
 * Marks the few routes a `runtime` API key may call (claim, events, heartbeat); every other route answers
 * it 403. They count against the runtime's own rate-limit budget, whoever calls them. The document says
 * so too (`x-runtime-access: true`), and documents that 403 on every other route.
 */
export const RuntimeAccess = () => applyDecorators(SetMetadata(RUNTIME_ACCESS, true), RateLimitedAs('runtime'), ApiExtension(RUNTIME_ACCESS_EXTENSION, true));
