import { createHash } from 'node:crypto';
import { validationFailed } from '../../common/errors/domain-error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * The key as the caller meant it. The IETF draft makes the header a Structured Field string (quoted,
 * `"abc"`), while most clients send it bare (`abc`); both are accepted, and `"abc"` and `abc` are the
 * same key. 1–255 printable ASCII characters, else 400.
 */
export function parseIdempotencyKey(header: string | string[]): string {
  const refuse = (message: string) => validationFailed([{ field: IDEMPOTENCY_KEY_HEADER, message }], `The ${IDEMPOTENCY_KEY_HEADER} header is not valid.`);
  if (Array.isArray(header)) throw refuse(`send ${IDEMPOTENCY_KEY_HEADER} once`);
  let key = header;
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1).replace(/\\(["\\])/g, '$1');
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw refuse(`must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  if (!PRINTABLE.test(key)) throw refuse('must be printable ASCII characters (0x20 to 0x7E)');
  return key;
}

/** JSON with object keys sorted, so the same body sent with its fields in another order is the same request. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
}

/** What makes two requests "the same" for one key: method, target (path and query) and body. */
export const requestFingerprint = (method: string, url: string, body: unknown): string =>
  createHash('sha256').update(`${method} ${url}\n${canonicalJson(body)}`).digest('base64url');
