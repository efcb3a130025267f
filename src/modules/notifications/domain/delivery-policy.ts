import { DeliveryFailure } from '../../notification-transport/domain/slack-delivery';
import { nextTick } from '../../variation-store/domain/schedule-ticks';

export type NextStep = { kind: 'fail' } | { kind: 'retry'; delayMs: number };

/** Each wait is about four times the last: with a 5 s base, six tries span about half an hour. */
const BACKOFF_FACTOR = 4;
/** ±20 %, so notifications that failed together do not all come back at the same instant. */
const JITTER = 0.2;

/**
 * What follows a failed try, the `attempts`-th: a permanent answer or the last allowed try fails;
 * a 429 waits what Slack asked (never less), anything else backs off exponentially with jitter.
 * `random` is in [0, 1).
 */
export function nextStep(failure: DeliveryFailure, attempts: number, maxAttempts: number, baseDelayMs: number, random: number): NextStep {
  if (failure.kind === 'permanent' || attempts >= maxAttempts) return { kind: 'fail' };
  const backoff = baseDelayMs * BACKOFF_FACTOR ** (attempts - 1) * (1 - JITTER + 2 * JITTER * random);
  const delayMs = failure.kind === 'rate_limited' ? Math.max(failure.retryAfterMs, 0) : backoff;
  return { kind: 'retry', delayMs: Math.round(delayMs) };
}

/** The digest goes out at this local time. */
export const DIGEST_CRON = '0 9 * * *';

/**
 * The first 09:00 in `timeZone` after `after` (wall-clock, so DST days still get theirs at 09:00), by
 * the schedules' rule for a cron in a zone. Not cron-parser's own `tz` option: it gives up ("loop limit
 * exceeded") on the day before Lord Howe's half-hour fall-back, which would fail every digest sweep
 * holding such an agent for a day.
 */
export function nextDigestAt(timeZone: string | null, after: Date): Date {
  return nextTick({ cron: DIGEST_CRON, timezone: timeZone ?? 'UTC' }, after);
}
