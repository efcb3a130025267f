import { SetMetadata } from '@nestjs/common';

export const RUNTIME_ACCESS = 'agentry:runtime-access';

/** Marks the few routes a `runtime` API key may call (claim, events, heartbeat); every other route answers it 403. */
export const RuntimeAccess = () => SetMetadata(RUNTIME_ACCESS, true);
