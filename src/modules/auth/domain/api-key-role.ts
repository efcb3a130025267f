/** `runtime` keys belong to an agent runtime: they claim runs and report on them, and may do nothing else. */
export const API_KEY_ROLES = ['admin', 'member', 'runtime'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
