import { isScheduleTrigger, MAX_OPAQUE_TRIGGER_BYTES, nextRunAt, validateTrigger } from './schedule-trigger';
import type { ScheduleTrigger } from './variation-content';

function schedule(cron: string, timezone = 'Europe/Berlin'): ScheduleTrigger {
  return { type: 'schedule', schedule: { cron, timezone } };
}

describe('isScheduleTrigger', () => {
  it('recognises the schedule shape', () => {
    expect(isScheduleTrigger(schedule('0 9 * * 1-5'))).toBe(true);
  });

  it.each([
    ['null', null],
    ['another type', { type: 'webhook', schedule: { cron: '* * * * *', timezone: 'UTC' } }],
    ['a missing schedule', { type: 'schedule' }],
    ['a non-string cron', { type: 'schedule', schedule: { cron: 5, timezone: 'UTC' } }],
    ['a missing timezone', { type: 'schedule', schedule: { cron: '* * * * *' } }],
    ['an array', [{ type: 'schedule' }]],
  ])('rejects %s', (_, value) => {
    expect(isScheduleTrigger(value)).toBe(false);
  });
});

describe('validateTrigger', () => {
  it('accepts null, which means no trigger', () => {
    expect(validateTrigger(null)).toEqual([]);
  });

  it('accepts a valid schedule', () => {
    expect(validateTrigger(schedule('0 9 * * 1-5'))).toEqual([]);
    expect(validateTrigger(schedule('*/15 8-18 * JAN-MAR MON-FRI', 'America/New_York'))).toEqual([]);
    expect(validateTrigger(schedule('0 0 1 * *', 'UTC'))).toEqual([]);
  });

  it.each([
    ['a string', 'schedule'],
    ['an array', []],
    ['a number', 42],
    ['undefined', undefined],
  ])('rejects %s where an object or null belongs', (_, value) => {
    expect(validateTrigger(value)).toEqual([{ field: 'trigger', message: 'must be an object or null' }]);
  });

  it.each([{}, { type: '' }, { type: '  ' }, { type: 7 }])('requires a non-empty string type: %p', (value) => {
    expect(validateTrigger(value)).toEqual([{ field: 'trigger.type', message: 'must be a non-empty string' }]);
  });

  describe('schedule triggers', () => {
    it('names every unexpected key, at both levels', () => {
      const trigger = { type: 'schedule', enabled: true, schedule: { cron: '0 9 * * *', timezone: 'UTC', seconds: 0 } };
      expect(validateTrigger(trigger)).toEqual([
        { field: 'trigger.enabled', message: 'unexpected key; allowed keys are type and schedule' },
        { field: 'trigger.schedule.seconds', message: 'unexpected key; allowed keys are cron and timezone' },
      ]);
    });

    it('requires a schedule object', () => {
      expect(validateTrigger({ type: 'schedule' })).toEqual([
        { field: 'trigger.schedule', message: 'must be an object with cron and timezone' },
      ]);
      expect(validateTrigger({ type: 'schedule', schedule: '0 9 * * *' })).toEqual([
        { field: 'trigger.schedule', message: 'must be an object with cron and timezone' },
      ]);
    });

    it('requires cron and timezone strings', () => {
      expect(validateTrigger({ type: 'schedule', schedule: {} })).toEqual([
        { field: 'trigger.schedule.cron', message: 'is required' },
        { field: 'trigger.schedule.timezone', message: 'is required' },
      ]);
      expect(validateTrigger({ type: 'schedule', schedule: { cron: 9, timezone: null } })).toEqual([
        { field: 'trigger.schedule.cron', message: 'must be a string' },
        { field: 'trigger.schedule.timezone', message: 'must be a string' },
      ]);
    });

    it.each([
      ['0 9 * * 1-5'],
      ['0 9 * * MON-FRI'],
      ['0 9 * * mon-fri'],
      [' 0  9 * * * '],
      ['*/15 * * * *'],
      ['0-30/10 8-18/2 1-31/31 */12 */7'],
      ['*/59 */23 */31 1-12 0-7'],
      ['0,15,30,45 9,17 1,15 JAN,jul SUN,SAT'],
      ['00 09 01 01 0'],
      ['0 9 * * 7'],
      ['0 9 * JAN-DEC SUN-SAT'],
    ])('accepts the five-field cron %p', (cron) => {
      expect(validateTrigger(schedule(cron))).toEqual([]);
    });

    it.each([
      ['six fields (seconds)', '0 0 9 * * 1-5', 'must have five fields (minute hour day-of-month month day-of-week), got 6'],
      ['seven fields', '0 0 9 * * 1-5 2026', 'must have five fields (minute hour day-of-month month day-of-week), got 7'],
      ['four fields', '0 9 * *', 'must have five fields (minute hour day-of-month month day-of-week), got 4'],
      ['a blank string', '   ', 'must not be empty'],
      [
        'a macro',
        '@hourly',
        'macros such as @hourly are not supported; use five fields: minute hour day-of-month month day-of-week',
      ],
    ])('rejects %s', (_, cron, message) => {
      expect(validateTrigger(schedule(cron))).toEqual([{ field: 'trigger.schedule.cron', message }]);
    });

    const minuteSyntax = 'use numbers 0-59, *, ranges (a-b), lists (a,b) or steps (*/n, a-b/n)';
    const daySyntax = 'use numbers 1-31, *, ranges (a-b), lists (a,b) or steps (*/n, a-b/n)';
    const weekdaySyntax = 'use numbers 0-7 (0 and 7 are Sunday) or SUN-SAT, *, ranges (a-b), lists (a,b) or steps (*/n, a-b/n)';

    // Only what SPEC §2's "5-field cron" means (crontab(5)): cron-parser accepts all of these.
    it.each([
      ['a hashed value (H)', 'H 9 * * *', `minute field "H": ${minuteSyntax}`],
      ['the last day of the month (L)', '0 0 L * *', `day-of-month field "L": ${daySyntax}`],
      ['the last weekday of the month (5L)', '0 9 * * 5L', `day-of-week field "5L": ${weekdaySyntax}`],
      ['the nearest weekday (15W)', '0 9 15W * *', `day-of-month field "15W": ${daySyntax}`],
      ['the nth weekday (1#2)', '0 9 * * 1#2', `day-of-week field "1#2": ${weekdaySyntax}`],
      ['no specific value (?)', '0 9 ? * *', `day-of-month field "?": ${daySyntax}`],
      ['a step overflowing a number', '*/99999999999999999999 * * * *', 'minute field "*/99999999999999999999": the step 99999999999999999999 is outside 1-59'],
      ['a step beyond the field', '*/60 * * * *', 'minute field "*/60": the step 60 is outside 1-59'],
      ['a step beyond the field, on a range', '0 9 1-31/32 * *', 'day-of-month field "1-31/32": the step 32 is outside 1-31'],
      ['a range beyond the field', '0 1-31/2 * * *', 'hour field "1-31/2": 31 is not among numbers 0-23'],
      ['a zero step', '*/0 * * * *', 'minute field "*/0": the step 0 is outside 1-59'],
      ['a step after a single value', '5/15 * * * *', 'minute field "5/15": a step needs * or a range before it, such as 5-59/15'],
      ['a minute out of range', '61 * * * *', 'minute field "61": 61 is not among numbers 0-59'],
      ['an hour out of range', '0 25 * * *', 'hour field "25": 25 is not among numbers 0-23'],
      ['a day of month of 0', '0 9 0 * *', 'day-of-month field "0": 0 is not among numbers 1-31'],
      ['a month of 13', '0 9 * 13 *', 'month field "13": 13 is not among numbers 1-12 or JAN-DEC'],
      ['a weekday of 8', '0 9 * * 8', 'day-of-week field "8": 8 is not among numbers 0-7 (0 and 7 are Sunday) or SUN-SAT'],
      ['an overflowing number', '99999999999999999999 * * * *', 'minute field "99999999999999999999": 99999999999999999999 is not among numbers 0-59'],
      ['a weekday name as a month', '0 9 * MON *', 'month field "MON": MON is not among numbers 1-12 or JAN-DEC'],
      ['a full day name', '0 9 * * MONDAY', `day-of-week field "MONDAY": ${weekdaySyntax}`],
      ['a range that runs backwards', '0 9 * * FRI-MON', 'day-of-week field "FRI-MON": the range FRI-MON runs backwards'],
      ['a negative number', '-5 * * * *', `minute field "-5": ${minuteSyntax}`],
      ['an empty list item', '0,,30 * * * *', `minute field "0,,30": ${minuteSyntax}`],
      ['a range without an end', '0 9-/2 * * *', 'hour field "9-/2": use numbers 0-23, *, ranges (a-b), lists (a,b) or steps (*/n, a-b/n)'],
      ['a fraction', '0.5 * * * *', `minute field "0.5": ${minuteSyntax}`],
      ['letters', 'a b c d e', `minute field "a": ${minuteSyntax}; hour field "b": use numbers 0-23, *, ranges (a-b), lists (a,b) or steps (*/n, a-b/n); day-of-month field "c": ${daySyntax}; month field "d": use numbers 1-12 or JAN-DEC, *, ranges (a-b), lists (a,b) or steps (*/n, a-b/n); day-of-week field "e": ${weekdaySyntax}`],
    ])('rejects %s, naming the cron field', (_, cron, message) => {
      expect(validateTrigger(schedule(cron))).toEqual([{ field: 'trigger.schedule.cron', message }]);
    });

    it('rejects a day that no month has, which cron-parser refuses', () => {
      const errors = validateTrigger(schedule('0 9 31 2 *'));
      expect(errors).toEqual([{ field: 'trigger.schedule.cron', message: expect.stringMatching(/^is not a valid cron expression: .+/) }]);
    });

    it('does not mistake a day name containing H for a hashed value', () => {
      expect(validateTrigger(schedule('0 9 * * THU'))).toEqual([]);
    });

    it.each(['Europe/Berlin', 'America/New_York', 'UTC'])('accepts the time zone %s', (timezone) => {
      expect(validateTrigger(schedule('0 9 * * *', timezone))).toEqual([]);
    });

    it.each(['Mars/Olympus', '', '+02:00'])('rejects the time zone %p', (timezone) => {
      expect(validateTrigger(schedule('0 9 * * *', timezone))).toEqual([
        {
          field: 'trigger.schedule.timezone',
          message: `${JSON.stringify(timezone)} is not an IANA time zone name such as Europe/Berlin or UTC`,
        },
      ]);
    });

    it('reports all problems at once, under the given path', () => {
      const trigger = { type: 'schedule', extra: 1, schedule: { cron: '@daily', timezone: 'Nowhere' } };
      expect(validateTrigger(trigger, 'body.trigger').map((e) => e.field)).toEqual([
        'body.trigger.extra',
        'body.trigger.schedule.cron',
        'body.trigger.schedule.timezone',
      ]);
    });
  });

  describe('other trigger types', () => {
    /** An opaque trigger whose JSON is exactly `bytes` long, padded with `filler` characters. */
    function opaqueOfSize(bytes: number, filler: string): Record<string, unknown> {
      const base = Buffer.byteLength(JSON.stringify({ type: 'webhook', data: '' }));
      const fillerBytes = Buffer.byteLength(filler);
      const trigger = { type: 'webhook', data: filler.repeat(Math.floor((bytes - base) / fillerBytes)) };
      trigger.data += 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(trigger)));
      expect(Buffer.byteLength(JSON.stringify(trigger))).toBe(bytes);
      return trigger;
    }

    it('stores anything with a non-empty type, including keys a schedule may not have', () => {
      expect(validateTrigger({ type: 'webhook', secretRef: 'x', nested: { any: [1, 2] } })).toEqual([]);
      expect(validateTrigger({ type: 'Schedule', schedule: 'whenever' })).toEqual([]);
    });

    it('allows exactly 16 KiB of JSON', () => {
      expect(validateTrigger(opaqueOfSize(MAX_OPAQUE_TRIGGER_BYTES, 'a'))).toEqual([]);
    });

    it('rejects one byte more', () => {
      expect(validateTrigger(opaqueOfSize(MAX_OPAQUE_TRIGGER_BYTES + 1, 'a'))).toEqual([
        { field: 'trigger', message: 'must be at most 16384 bytes as JSON, got 16385' },
      ]);
    });

    it('measures UTF-8 bytes, not characters', () => {
      const trigger = opaqueOfSize(MAX_OPAQUE_TRIGGER_BYTES + 1, '€');
      expect(JSON.stringify(trigger).length).toBeLessThan(MAX_OPAQUE_TRIGGER_BYTES);
      expect(validateTrigger(trigger)).toHaveLength(1);
    });
  });
});

describe('nextRunAt', () => {
  const weekdaysAtNine = schedule('0 9 * * 1-5');

  it('skips the weekend: Saturday to Monday 09:00 Berlin, in summer (UTC+2) and winter (UTC+1)', () => {
    expect(nextRunAt(weekdaysAtNine, new Date('2026-05-09T10:00:00Z')).toISOString()).toBe('2026-05-11T07:00:00.000Z');
    expect(nextRunAt(weekdaysAtNine, new Date('2026-01-10T10:00:00Z')).toISOString()).toBe('2026-01-12T08:00:00.000Z');
  });

  it('returns a tick strictly after the given instant', () => {
    expect(nextRunAt(weekdaysAtNine, new Date('2026-05-11T07:00:00.000Z')).toISOString()).toBe('2026-05-12T07:00:00.000Z');
    expect(nextRunAt(weekdaysAtNine, new Date('2026-05-11T06:59:59.999Z')).toISOString()).toBe('2026-05-11T07:00:00.000Z');
    expect(nextRunAt(weekdaysAtNine, new Date('2026-05-11T07:00:00.001Z')).toISOString()).toBe('2026-05-12T07:00:00.000Z');
  });

  it('keeps local wall-clock time across the spring DST change in Berlin', () => {
    const daily = schedule('0 9 * * *');
    expect(nextRunAt(daily, new Date('2026-03-28T12:00:00Z')).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(nextRunAt(daily, new Date('2026-03-27T12:00:00Z')).toISOString()).toBe('2026-03-28T08:00:00.000Z');
  });

  it('fires once, not twice, in the hour repeated by the autumn DST change', () => {
    const twoThirty = schedule('30 2 * * *');
    const first = nextRunAt(twoThirty, new Date('2026-10-24T12:00:00Z'));
    expect(first.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(nextRunAt(twoThirty, first).toISOString()).toBe('2026-10-26T01:30:00.000Z');
  });

  it('interprets the cron in the trigger’s zone, not the process’s', () => {
    const from = new Date('2026-05-11T00:00:00Z');
    expect(nextRunAt(schedule('0 9 * * *', 'America/New_York'), from).toISOString()).toBe('2026-05-11T13:00:00.000Z');
    expect(nextRunAt(schedule('0 9 * * *', 'UTC'), from).toISOString()).toBe('2026-05-11T09:00:00.000Z');
  });
});
