import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { dueTicks, instantOf, nextTicks } from './schedule-ticks';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const ticks = (cron: string, timezone: string, after: string, count = 4) => iso(nextTicks({ cron, timezone }, new Date(after), count));

describe('schedule ticks across DST (SPEC §8)', () => {
  describe('Europe/Berlin: clocks jump 02:00 → 03:00 on 2026-03-29 and fall back 03:00 → 02:00 on 2026-10-25', () => {
    it('runs a time that does not exist at the first valid instant after it (03:00 CEST)', () => {
      expect(ticks('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    });

    it('runs the whole missing hour once, not once per missing tick', () => {
      expect(ticks('*/15 2 * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z']);
    });

    it('runs a repeated time once, at its first occurrence', () => {
      expect(ticks('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    });

    it('keeps an hourly schedule to one run per wall-clock hour through the repeated hour', () => {
      expect(ticks('0 * * * *', 'Europe/Berlin', '2026-10-24T23:30:00Z', 4)).toEqual([
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T03:00:00.000Z',
        '2026-10-25T04:00:00.000Z',
      ]);
    });
  });

  describe('America/New_York: clocks jump 02:00 → 03:00 on 2026-03-08 and fall back 02:00 → 01:00 on 2026-11-01', () => {
    it('runs a time that does not exist at 03:00 EDT', () => {
      expect(ticks('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    });

    it('runs 01:30 once on the day it happens twice', () => {
      expect(ticks('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });

    it('does not run the repeated 01:30 again when asked from inside the repeated hour', () => {
      expect(ticks('30 1 * * *', 'America/New_York', '2026-11-01T06:10:00Z', 1)).toEqual(['2026-11-02T06:30:00.000Z']);
    });
  });

  it('keeps 09:00 local on both sides of a change', () => {
    expect(ticks('0 9 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });

  it("goes on across Lord Howe's half-hour fall-back into the next year, where cron-parser's own zone handling gives up", () => {
    // 02:xx on Sundays in April: the last four minutes of 2026-04-26, then 2027-04-04, whose 02:00 comes after the clocks went back from 02:00 to 01:30.
    expect(ticks('* 2 * 4 0', 'Australia/Lord_Howe', '2026-04-25T16:25:00Z', 5)).toEqual([
      '2026-04-25T16:26:00.000Z',
      '2026-04-25T16:27:00.000Z',
      '2026-04-25T16:28:00.000Z',
      '2026-04-25T16:29:00.000Z',
      '2027-04-03T15:30:00.000Z',
    ]);
  });
});

describe('dueTicks', () => {
  const everyMinute = { cron: '* * * * *', timezone: 'UTC' };

  it('counts the ticks from the due one up to now and names the latest', () => {
    expect(dueTicks(everyMinute, new Date('2026-05-11T10:00:00Z'), new Date('2026-05-11T10:04:30Z'))).toEqual({ latest: new Date('2026-05-11T10:04:00Z'), count: 5 });
    expect(dueTicks(everyMinute, new Date('2026-05-11T10:00:00Z'), new Date('2026-05-11T10:00:00Z'))).toEqual({ latest: new Date('2026-05-11T10:00:00Z'), count: 1 });
  });

  it('stops counting at the cap', () => {
    expect(dueTicks(everyMinute, new Date('2026-05-11T00:00:00Z'), new Date('2026-05-12T00:00:00Z'), 10).count).toBe(10);
  });
});

describe('ticks, for random crons and zones', () => {
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Pacific/Chatham'];
  const field = (max: number, min = 0) => fc.oneof(fc.constant('*'), fc.integer({ min, max }).map(String), fc.integer({ min: 2, max: Math.max(2, max) }).map((n) => `*/${n}`));
  const cron = fc.tuple(field(59), field(23), field(28, 1), field(12, 1), field(6)).map((parts) => parts.join(' '));
  const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }).map((ms) => new Date(ms));
  const offsetAt = (date: Date, timezone: string) => new Date(date.toLocaleString('en-US', { timeZone: timezone })).getTime() - new Date(date.toLocaleString('en-US', { timeZone: 'UTC' })).getTime();

  /**
   * cron-parser's own zone handling gives up ("loop limit exceeded") on some Lord Howe dates, even with
   * no clock change in between (`* 2 * 4 0` after 2026-04-25T16:25Z): one reason the ticks do not use
   * it. There it is no oracle, and the comparison is left out; anything else it throws fails the test.
   */
  const theirsOrNone = (compute: () => Date[]): Date[] | undefined => {
    try {
      return compute();
    } catch (error) {
      if (String(error).includes('loop limit exceeded')) return undefined;
      throw error;
    }
  };

  it('strictly increase, and equal cron-parser’s wherever no clock change lies in between', () => {
    fc.assert(
      fc.property(cron, fc.constantFrom(...zones), instant, (expression, timezone, after) => {
        const ours = nextTicks({ cron: expression, timezone }, after, 5);
        for (let i = 0; i < ours.length; i++) expect(ours[i].getTime()).toBeGreaterThan(i === 0 ? after.getTime() : ours[i - 1].getTime());
        // An hour back too: from inside a fall-back's repeated hour we rightly skip what already ran, where cron-parser repeats it.
        const offsets = new Set([new Date(after.getTime() - 3600_000), after, ...ours].map((date) => offsetAt(date, timezone)));
        if (offsets.size === 1) {
          const theirs = CronExpressionParser.parse(expression, { tz: timezone, currentDate: after });
          const expected = theirsOrNone(() => ours.map(() => theirs.next().toDate()));
          if (expected) expect(iso(ours)).toEqual(iso(expected));
        }
      }),
      { numRuns: 300 },
    );
  });

  /** The ticks as they were computed before issue #28: the parser always started an hour of wall-clock time early. */
  const hourEarly = (expression: string, timezone: string, after: Date, count: number): Date[] => {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    const wallOf = (ms: number) => {
      const part = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, Number(p.value)]));
      return Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second) + (ms % 1000);
    };
    let last = after.getTime();
    const walls = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(wallOf(last) - 3600_000) });
    const out: Date[] = [];
    while (out.length < count) {
      const instant = instantOf(walls.next().toDate().getTime(), timezone);
      if (instant <= last) continue;
      last = instant;
      out.push(new Date(instant));
    }
    return out;
  };
  // Instants within a few hours of clock changes (Berlin and New York back and forward, Lord Howe's half hour), and anywhere.
  const changes = ['2026-10-25T01:00:00Z', '2026-03-29T01:00:00Z', '2026-11-01T06:00:00Z', '2026-03-08T07:00:00Z', '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'].map((at) => Date.parse(at));
  const nearChange = fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -4 * 3600_000, max: 4 * 3600_000 })).map(([at, delta]) => new Date(at + delta));

  it('are the ticks of a parser started an hour early, near clock changes and anywhere (it now starts at the wall time of `after`)', () => {
    fc.assert(
      fc.property(cron, fc.constantFrom(...zones), fc.oneof(nearChange, instant), (expression, timezone, after) => {
        expect(iso(nextTicks({ cron: expression, timezone }, after, 4))).toEqual(iso(hourEarly(expression, timezone, after, 4)));
      }),
      { numRuns: 300 },
    );
  });
});
