import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'pk_live_';
const LOOKUP_LENGTH = 12;

export interface GeneratedApiKey {
  key: string;
  /** Stored in clear and shown in listings so users can tell keys apart; also the lookup index. */
  prefix: string;
  hash: Buffer;
}

export function generateApiKey(): GeneratedApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: lookupPrefix(key), hash: hashApiKey(key) };
}

export function lookupPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + LOOKUP_LENGTH);
}

export function looksLikeApiKey(key: string): boolean {
  return key.startsWith(API_KEY_PREFIX) && key.length > API_KEY_PREFIX.length + LOOKUP_LENGTH && key.length <= 200;
}

/** A fast hash is enough: the key carries 256 random bits, so there is nothing to brute-force. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const candidate = hashApiKey(key);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}
