import fc from 'fast-check';
import { types } from 'pg';
import { isoFromTimestamptz, ISO_TIMESTAMPS } from './iso-timestamps';

/** What pg's own parser and Date.toISOString make of the same text: the form every other read shows. */
const viaDate = (text: string) => (types.getTypeParser(1184, 'text')(text) as Date).toISOString();

describe('isoFromTimestamptz', () => {
  it.each([
    ['2026-12-07 08:15:12.123456+00', '2026-12-07T08:15:12.123Z'],
    ['2026-12-07 08:15:12.999999+00', '2026-12-07T08:15:12.999Z'],
    ['2026-12-07 08:15:12.1+00', '2026-12-07T08:15:12.100Z'],
    ['2026-12-07 08:15:12+00', '2026-12-07T08:15:12.000Z'],
    ['2026-12-07 09:15:12.5+01', '2026-12-07T08:15:12.500Z'],
    ['2026-12-07 03:45:12.25-04:30', '2026-12-07T08:15:12.250Z'],
    ['0999-01-02 03:04:05.5+00', '0999-01-02T03:04:05.500Z'],
    ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(isoFromTimestamptz(text)).toBe(iso);
    expect(viaDate(text)).toBe(iso);
  });

  it('agrees with pg and Date for any time PostgreSQL writes, in UTC or at an offset', () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.constantFrom(0, 0, 60, -270, 330),
        (date, micros, offsetMinutes) => {
          const shifted = new Date(Math.floor(date.getTime() / 1000) * 1000 + offsetMinutes * 60_000);
          const fraction = micros === 0 ? '' : `.${pad(micros, 6)}`.replace(/0+$/, '');
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${pad(Math.floor(abs / 60))}${abs % 60 ? `:${pad(abs % 60)}` : ''}`;
          const text = `${shifted.toISOString().slice(0, 10)} ${shifted.toISOString().slice(11, 19)}${fraction}${zone}`;
          expect(isoFromTimestamptz(text)).toBe(viaDate(text));
        },
      ),
    );
  });

  it('is the parser ISO_TIMESTAMPS gives for timestamptz only', () => {
    expect(ISO_TIMESTAMPS.getTypeParser(1184, 'text')).toBe(isoFromTimestamptz);
    expect(ISO_TIMESTAMPS.getTypeParser(1114, 'text')).toBe(types.getTypeParser(1114, 'text'));
    expect(ISO_TIMESTAMPS.getTypeParser(23, 'text')).toBe(types.getTypeParser(23, 'text'));
  });
});
