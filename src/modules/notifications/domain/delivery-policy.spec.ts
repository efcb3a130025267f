import fc from 'fast-check';
import { DeliveryFailure, PERMANENT_SLACK_ERRORS } from '../../notification-transport/domain/slack-delivery';
import { nextDigestAt, nextStep } from './delivery-policy';

const transient: DeliveryFailure = { kind: 'transient', error: 'http_500' };

describe('nextStep', () => {
  it('fails a permanent answer at once, whatever attempt it was', () => {
    for (const error of PERMANENT_SLACK_ERRORS) expect(nextStep({ kind: 'permanent', error }, 1, 6, 5000, 0.5)).toEqual({ kind: 'fail' });
  });

  it('fails the last allowed attempt, and retries every earlier one', () => {
    expect(nextStep(transient, 6, 6, 5000, 0.5)).toEqual({ kind: 'fail' });
    expect(nextStep(transient, 5, 6, 5000, 0.5).kind).toBe('retry');
    expect(nextStep(transient, 1, 1, 5000, 0.5)).toEqual({ kind: 'fail' });
  });

  it('waits about 5 s, then four times longer each time: six tries span about half an hour', () => {
    const waits = [1, 2, 3, 4, 5].map((attempt) => nextStep(transient, attempt, 6, 5000, 0.5));
    expect(waits).toEqual([5000, 20_000, 80_000, 320_000, 1_280_000].map((delayMs) => ({ kind: 'retry', delayMs })));
    const total = waits.reduce((sum, step) => sum + (step.kind === 'retry' ? step.delayMs : 0), 0);
    expect(total / 60_000).toBeCloseTo(28.4, 1);
  });

  it('jitters each wait within ±20 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, random) => {
        const step = nextStep(transient, attempt, 6, 5000, random);
        const nominal = 5000 * 4 ** (attempt - 1);
        return step.kind === 'retry' && step.delayMs >= Math.floor(nominal * 0.8) && step.delayMs <= Math.ceil(nominal * 1.2);
      }),
    );
  });

  it("waits exactly Slack's Retry-After after a 429, however short the backoff would be", () => {
    expect(nextStep({ kind: 'rate_limited', error: 'ratelimited', retryAfterMs: 30_000 }, 1, 6, 5000, 0)).toEqual({ kind: 'retry', delayMs: 30_000 });
    expect(nextStep({ kind: 'rate_limited', error: 'ratelimited', retryAfterMs: 30_000 }, 6, 6, 5000, 0)).toEqual({ kind: 'fail' });
  });
});

describe('nextDigestAt', () => {
  const formats = new Map<string, Intl.DateTimeFormat>();
  const wallClock = (date: Date, timeZone: string) => {
    if (!formats.has(timeZone)) {
      formats.set(timeZone, new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
    }
    return formats.get(timeZone)!.format(date);
  };

  it('is the next 09:00 in the zone, today when it is still ahead', () => {
    expect(nextDigestAt('Europe/Berlin', new Date('2026-11-25T07:59:00Z')).toISOString()).toBe('2026-11-25T08:00:00.000Z');
    expect(nextDigestAt('Europe/Berlin', new Date('2026-11-25T08:00:00Z')).toISOString()).toBe('2026-11-26T08:00:00.000Z');
    expect(nextDigestAt(null, new Date('2026-11-25T10:00:00Z')).toISOString()).toBe('2026-11-26T09:00:00.000Z');
  });

  it('stays at 09:00 local across DST changes', () => {
    // Berlin springs forward on 2026-03-29 and falls back on 2026-10-25; New York on 2026-03-08 and 2026-11-01.
    expect(nextDigestAt('Europe/Berlin', new Date('2026-03-28T09:00:00Z')).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(nextDigestAt('Europe/Berlin', new Date('2026-10-24T08:00:00Z')).toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(nextDigestAt('America/New_York', new Date('2026-03-07T15:00:00Z')).toISOString()).toBe('2026-03-08T13:00:00.000Z');
  });

  it('gets past Lord Howe\'s half-hour fall-back, where cron-parser\'s own zone handling gives up', () => {
    // Lord Howe falls back from 02:00 to 01:30 on 2034-04-02 (+11 to +10:30).
    expect(nextDigestAt('Australia/Lord_Howe', new Date('2034-03-31T22:00:00.000Z')).toISOString()).toBe('2034-04-01T22:30:00.000Z');
    expect(nextDigestAt('Australia/Lord_Howe', new Date('2034-04-01T14:00:00.000Z')).toISOString()).toBe('2034-04-01T22:30:00.000Z');
  });

  it('is always the first 09:00 in the zone after the instant', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Sao_Paulo'];
    // Every zone's offset is a whole number of quarter hours, so walking quarter hours finds each 09:00.
    const quarter = 15 * 60_000;
    const firstNineAfter = (after: Date, zone: string) => {
      for (let at = Math.floor(after.getTime() / quarter) * quarter + quarter; ; at += quarter) {
        if (wallClock(new Date(at), zone).endsWith('09:00')) return at;
      }
    };
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }), (zone, after) => {
        const due = nextDigestAt(zone, after);
        return due.getTime() === firstNineAfter(after, zone) && due.getTime() - after.getTime() <= 25 * 3600_000;
      }),
      { numRuns: 500 },
    );
  });
});
