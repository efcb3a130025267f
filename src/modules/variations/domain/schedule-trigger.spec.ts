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
      ['0 0 L * *'],
      [' 0  9 * * * '],
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
      ['a hashed value', 'H 9 * * *', 'H (hashed) values are not supported'],
    ])('rejects %s', (_, cron, message) => {
      expect(validateTrigger(schedule(cron))).toEqual([{ field: 'trigger.schedule.cron', message }]);
    });

    it.each([['61 * * * *'], ['0 25 * * *'], ['0 9 31 2 *'], ['0 9 * * 8'], ['a b c d e'], ['*/0 * * * *']])(
      'rejects %p, which cron-parser refuses',
      (cron) => {
        const errors = validateTrigger(schedule(cron));
        expect(errors).toHaveLength(1);
        expect(errors[0].field).toBe('trigger.schedule.cron');
        expect(errors[0].message).toMatch(/^is not a valid cron expression: .+/);
      },
    );

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
