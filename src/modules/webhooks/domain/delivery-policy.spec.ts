import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, parseRetryDelays } from '../../../infrastructure/config/webhook-options';
import { disableReason, judgeTry, MAX_RETRY_AFTER_MS, parseRetryAfter } from './delivery-policy';

const now = new Date('2026-12-06T12:00:00.000Z');
const delays = DEFAULT_WEBHOOK_RETRY_DELAYS_MS;
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

describe('the retry schedule', () => {
  it("is SPEC §13's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then the delivery fails", () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => judgeTry({ statusCode: 500 }, n, delays, now));
    expect(waits).toEqual([5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 10 * H].map((delayMs) => ({ kind: 'retry', delayMs })));
    expect(judgeTry({ statusCode: 500 }, 8, delays, now)).toEqual({ kind: 'failed' });
    // Eight tries over about a day (27 h 35 min 5 s of waits).
    expect(delays.reduce((a, b) => a + b, 0)).toBe(27 * H + 35 * MIN + 5 * S);
  });

  it('delivers on any 2xx and treats everything else as a failed try: 3xx (no redirect is followed), 4xx, 5xx, no answer', () => {
    for (const code of [200, 201, 204, 299]) expect(judgeTry({ statusCode: code }, 1, delays, now)).toEqual({ kind: 'delivered' });
    for (const code of [301, 302, 400, 404, 429, 500, 503, null]) expect(judgeTry({ statusCode: code }, 1, delays, now)).toEqual({ kind: 'retry', delayMs: 5 * S });
  });

  it('answers 410 Gone with gone, whatever try it is', () => {
    expect(judgeTry({ statusCode: 410 }, 1, delays, now)).toEqual({ kind: 'gone' });
    expect(judgeTry({ statusCode: 410 }, 8, delays, now)).toEqual({ kind: 'gone' });
  });

  it('waits what Retry-After asks when that is longer than the schedule, never shorter than the schedule', () => {
    expect(judgeTry({ statusCode: 429, retryAfter: '120' }, 1, delays, now)).toEqual({ kind: 'retry', delayMs: 120 * S });
    expect(judgeTry({ statusCode: 429, retryAfter: '1' }, 1, delays, now)).toEqual({ kind: 'retry', delayMs: 5 * S });
    expect(judgeTry({ statusCode: 503, retryAfter: 'Sun, 06 Dec 2026 13:00:00 GMT' }, 2, delays, now)).toEqual({ kind: 'retry', delayMs: H });
    expect(judgeTry({ statusCode: 429, retryAfter: 'soon' }, 1, delays, now)).toEqual({ kind: 'retry', delayMs: 5 * S });
  });

  it('uses a configured schedule (tests run it in milliseconds)', () => {
    expect(judgeTry({ statusCode: 500 }, 1, [50, 100], now)).toEqual({ kind: 'retry', delayMs: 50 });
    expect(judgeTry({ statusCode: 500 }, 3, [50, 100], now)).toEqual({ kind: 'failed' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, caps absurd waits, ignores what it cannot read', () => {
    expect(parseRetryAfter('30', now)).toBe(30 * S);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Dec 2026 12:00:10 GMT', now)).toBe(10 * S);
    expect(parseRetryAfter('Sun, 06 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('12.5', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('disableReason', () => {
  it('disables at once on 410, after 50 failures in a row, or after 24 hours of nothing but failures', () => {
    expect(disableReason({ gone: true, consecutiveFailures: 1, failingForMs: 0 })).toBe('The endpoint answered 410 Gone.');
    expect(disableReason({ gone: false, consecutiveFailures: 49, failingForMs: 23 * H })).toBeNull();
    expect(disableReason({ gone: false, consecutiveFailures: 50, failingForMs: 0 })).toBe('50 tries in a row failed.');
    expect(disableReason({ gone: false, consecutiveFailures: 8, failingForMs: 24 * H })).toBe('Every try failed for 24 hours.');
  });
});

describe('WEBHOOKS_RETRY_DELAYS_MS', () => {
  it('reads comma-separated milliseconds', () => {
    expect(parseRetryDelays('5000, 300000')).toEqual({ value: [5000, 300000] });
    expect(parseRetryDelays(DEFAULT_WEBHOOK_RETRY_DELAYS_MS.join(','))).toEqual({ value: [...DEFAULT_WEBHOOK_RETRY_DELAYS_MS] });
  });

  it('refuses anything else', () => {
    for (const text of ['', '5s', '1,,2', '-1', '1.5', Array(21).fill('1').join(',')]) expect(parseRetryDelays(text)).toHaveProperty('problem');
  });
});
