import { randomInt } from 'node:crypto';

const MAX_SLUG_BASE_LENGTH = 60;
const FALLBACK_SLUG_BASE = 'agent';

/** Kebab-case ASCII form of a name; names with no Latin letters or digits fall back to `agent`. */
export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_BASE_LENGTH)
    .replace(/-+$/, '');
  return base === '' ? FALLBACK_SLUG_BASE : base;
}

/** The suffix lets agents share a name; 4,096 values, so a clash within an org is still possible and must be retried. */
export function makeSlug(name: string, random = randomHex3()): string {
  return `${slugify(name)}-${random}`;
}

export function randomHex3(): string {
  return randomInt(0x1000).toString(16).padStart(3, '0');
}
