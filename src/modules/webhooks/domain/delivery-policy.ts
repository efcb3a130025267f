/**
 * What a try's answer means and what follows it (SPEC §13): a 2xx delivers; 410 disables the
 * endpoint at once; anything else (another status, a timeout, a refused connection, a refused
 * address) is retried on the schedule, never sooner than a Retry-After asks, until the schedule runs
 * out; an endpoint whose tries have all failed for 24 hours, or 50 times in a row, is disabled.
 */

export const DISABLE_AFTER_CONSECUTIVE_FAILURES = 50;
export const DISABLE_AFTER_FAILING_MS = 24 * 3_600_000;
/** A Retry-After beyond this is read as this: a receiver cannot park a delivery for longer than the schedule's longest wait. */
export const MAX_RETRY_AFTER_MS = 36_000_000;

/** What one try came to. */
export interface TryResult {
  /** The HTTP status, or null when no answer came (timeout, connection refused, address refused). */
  statusCode: number | null;
  /** The Retry-After header as sent, if any. */
  retryAfter?: string | null;
}

export type TryVerdict =
  | { kind: 'delivered' }
  /** 410 Gone: the receiver says the endpoint is no more; it is disabled and the delivery fails. */
  | { kind: 'gone' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed' };

/**
 * Reads a Retry-After header (delay-seconds or an HTTP date) as a wait in milliseconds from `now`;
 * null when absent or unreadable. Capped at MAX_RETRY_AFTER_MS.
 */
export function parseRetryAfter(header: string | null | undefined, now: Date): number | null {
  if (header === null || header === undefined) return null;
  const text = header.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/**
 * The verdict on try number `tryInSchedule` (1 for the first try of the delivery, or of a redelivery)
 * given its result: a retry waits the schedule's delay for that try, or what Retry-After asks when that
 * is longer.
 */
export function judgeTry(result: TryResult, tryInSchedule: number, delaysMs: readonly number[], now: Date): TryVerdict {
  const { statusCode } = result;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  if (statusCode === 410) return { kind: 'gone' };
  const scheduled = delaysMs[tryInSchedule - 1];
  if (scheduled === undefined) return { kind: 'failed' };
  const asked = parseRetryAfter(result.retryAfter, now) ?? 0;
  return { kind: 'retry', delayMs: Math.max(scheduled, asked) };
}

/** Why an endpoint is disabled after a failed try, or null when it stays enabled. */
export function disableReason(failure: { gone: boolean; consecutiveFailures: number; failingForMs: number }): string | null {
  if (failure.gone) return 'The endpoint answered 410 Gone.';
  if (failure.consecutiveFailures >= DISABLE_AFTER_CONSECUTIVE_FAILURES) return `${failure.consecutiveFailures} tries in a row failed.`;
  if (failure.failingForMs >= DISABLE_AFTER_FAILING_MS) return 'Every try failed for 24 hours.';
  return null;
}
