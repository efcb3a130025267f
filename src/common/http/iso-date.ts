/** Timestamps leave the service as ISO 8601 strings in UTC; absent ones as null. */
export const isoOrNull = (date: Date | string | null): string | null => (date === null ? null : new Date(date).toISOString());
