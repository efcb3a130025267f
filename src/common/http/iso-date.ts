/** How the API writes a timestamp: ISO 8601 in UTC, to the millisecond. */
const API_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Timestamps leave the service as ISO 8601 strings in UTC; text already so (a read with ISO_TIMESTAMPS) is kept as it is. */
export const isoOf = (date: Date | string): string => (typeof date === 'string' && API_TIMESTAMP.test(date) ? date : new Date(date).toISOString());

/** As isoOf; absent ones as null. */
export const isoOrNull = (date: Date | string | null): string | null => (date === null ? null : isoOf(date));
