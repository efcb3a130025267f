import { ApiKeys1732300000000 } from './1732300000000-api-keys';

/** Every migration, in order; listed explicitly so the build never depends on a glob. */
export const MIGRATIONS = [ApiKeys1732300000000];
