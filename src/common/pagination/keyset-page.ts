import { validationFailed } from '../errors/domain-error';
import { INT32_MAX } from '../validation/int32';
import { decodePageToken, encodePageToken } from './page-token';

const invalidToken = () => validationFailed([{ field: 'pageToken', message: 'pageToken is not one this service issued' }]);
/** Text cursors are PostgreSQL bigints; a larger one would fail in SQL (a 500) instead of being refused. */
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/**
 * The cursor a page token carries, or undefined for the first page. `integer` cursors are row ids;
 * `text` cursors are bigint sequence numbers kept as text (beyond JavaScript's safe integers).
 */
export function pageCursor(token: string | undefined, kind: 'integer'): number | undefined;
export function pageCursor(token: string | undefined, kind: 'text'): string | undefined;
export function pageCursor(token: string | undefined, kind: 'integer' | 'text'): number | string | undefined {
  if (token === undefined) return undefined;
  const cursor = decodePageToken(token);
  if (cursor === null || (kind === 'integer' && typeof cursor !== 'number')) throw invalidToken();
  if (kind === 'text' && BigInt(cursor) > MAX_BIGINT) throw invalidToken();
  if (kind === 'integer' && (Number(cursor) < 0 || Number(cursor) > INT32_MAX)) throw invalidToken();
  return kind === 'integer' ? cursor : String(cursor);
}

/**
 * Keyset pages fetch one row more than they show: its presence says another page exists, and the
 * last row shown is where that page starts.
 */
export function keysetPage<T>(rows: T[], pageSize: number, cursorOf: (row: T) => string | number): { items: T[]; nextPageToken: string | null } {
  const items = rows.slice(0, pageSize);
  const last = items.at(-1);
  return { items, nextPageToken: rows.length > pageSize && last !== undefined ? encodePageToken(cursorOf(last)) : null };
}
