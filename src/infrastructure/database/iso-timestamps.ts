import { types } from 'pg';
import type { CustomTypesConfig } from 'pg';

/** PostgreSQL's type OID of `timestamptz`. */
const TIMESTAMPTZ_OID = 1184;

/** `2026-12-07 08:15:12.123456+00`: how PostgreSQL writes a timestamptz in a UTC session (DateStyle ISO). */
const UTC_TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?\+00$/;

/**
 * A timestamptz as PostgreSQL sent it, as the API shows timestamps: ISO 8601 in UTC with milliseconds
 * (`2026-12-07T08:15:12.123Z`), the fraction cut to milliseconds as a Date would cut it. Text from a
 * UTC session is rewritten as text; any other (another time zone, a year past 9999) goes through
 * pg's own parser and a Date.
 */
export function isoFromTimestamptz(text: string): string {
  if (!UTC_TEXT.test(text)) return (types.getTypeParser(TIMESTAMPTZ_OID, 'text')(text) as Date).toISOString();
  const fraction = text.length > 22 ? text.slice(20, -3) : '';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${`${fraction}000`.slice(0, 3)}Z`;
}

/**
 * Type parsers for a read whose timestamps only leave the service (a page of agents): they stay text,
 * in the API's form, instead of becoming Dates that the response turns back into the same text.
 * Profiled, parsing and formatting those Dates was a tenth of a page of 50 agents' CPU.
 */
export const ISO_TIMESTAMPS: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary' ? isoFromTimestamptz : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};
