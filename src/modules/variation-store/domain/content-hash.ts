import { createHash } from 'node:crypto';
import { NULLABLE_LATER_FIELDS, type VariationContent } from './variation-content';

/**
 * JSON with object keys sorted at every level, so that two values that mean
 * the same thing serialize identically whatever order their keys arrived in.
 * Array order is meaningful and kept. Undefined members are dropped, as
 * JSON.stringify does, because an absent optional field and an undefined one
 * are the same content.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  // Undefined has no JSON form; inside arrays JSON.stringify writes null, and so do we.
  return JSON.stringify(value) ?? 'null';
}

/**
 * Equal hashes mean equal content, which is what hasUnpublishedChanges compares. A later field that is
 * null is left out, so content stored before it existed hashes as it always did.
 */
export function contentHash(content: VariationContent): string {
  const hashed: Record<string, unknown> = { ...content };
  for (const field of NULLABLE_LATER_FIELDS) if (hashed[field] === null) delete hashed[field];
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}
