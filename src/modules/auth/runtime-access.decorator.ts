import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { RUNTIME_ACCESS_EXTENSION } from '../../common/swagger/finish-document';

export const RUNTIME_ACCESS = 'agentry:runtime-access';

/**
 * Marks the few routes a `runtime` API key may call (claim, events, heartbeat); every other route answers
 * it 403. The document says so too (`x-runtime-access: true`), and documents that 403 on every other route.
 */
export const RuntimeAccess = () => applyDecorators(SetMetadata(RUNTIME_ACCESS, true), ApiExtension(RUNTIME_ACCESS_EXTENSION, true));
