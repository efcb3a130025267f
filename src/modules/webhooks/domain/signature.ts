import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Signing per the Standard Webhooks specification, with its reference package (`standardwebhooks`),
 * so what receivers verify with the same package is exactly what was signed: `webhook-id` (the same
 * on every try of one event), `webhook-timestamp` (the try's time, Unix seconds) and
 * `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret in force,
 * space-separated, so a receiver that knows either secret verifies during a rotation.
 */

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 24;

/** A new signing secret: `whsec_` and 24 random bytes in base64 (the form the standard's libraries take). */
export const generateSecret = (): string => SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');

/** How long the replaced secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers of one try, signed with every secret in `secrets` (the newest first). */
export function signatureHeaders(messageId: string, at: Date, body: string, secrets: readonly string[]): SignedHeaders {
  if (secrets.length === 0) throw new Error('a webhook is signed with at least one secret');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' '),
  };
}

/** The body of a try: `{type, timestamp, data}` as the standard shapes it. */
export const webhookBody = (type: string, timestamp: Date, data: unknown): string => JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
