/**
 * RFC 3339 date-times, the `format: date-time` the API documents: a zone is required, so no bound
 * means different instants on servers in different zones, and every field must exist (no 30 February).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** An instant to the millisecond (rounded down), and whether digits finer than that were not all zero. */
export interface ParsedDateTime {
  epochMs: number;
  finerThanMs: boolean;
}

export function parseDateTime(text: string): ParsedDateTime | null {
  const match = DATE_TIME.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const fraction = match[7] ?? '';
  const [sign, offsetHours, offsetMinutes] = [match[8], Number(match[9] ?? 0), Number(match[10] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const wall = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const fields = [wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds()];
  if (fields.some((field, i) => field !== [year, month, day, hour, minute, second][i])) return null;
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return { epochMs: wall.getTime() - offsetMs, finerThanMs: /[1-9]/.test(fraction.slice(3)) };
}

/**
 * The exclusive bound `…After`/`…Before` compare with, on columns that keep milliseconds (what the
 * API shows). For a millisecond x: x > t exactly when x > t rounded down, and x < t exactly when
 * x < t rounded up; so `createdAfter=…44.2549Z` excludes a run shown at …44.254Z and
 * `createdBefore=…44.2541Z` includes it.
 */
export function exclusiveBound(text: string, side: 'after' | 'before'): Date {
  const parsed = parseDateTime(text);
  if (!parsed) throw new Error(`"${text}" is not a date-time; its DTO must validate it with IsDateTime`);
  return new Date(side === 'before' && parsed.finerThanMs ? parsed.epochMs + 1 : parsed.epochMs);
}
