import { exclusiveBound, parseDateTime } from './date-time';

describe('parseDateTime', () => {
  it('reads RFC 3339 date-times in any zone to the millisecond, noting finer digits', () => {
    expect(parseDateTime('2026-05-01T12:00:44.254Z')).toEqual({ epochMs: Date.parse('2026-05-01T12:00:44.254Z'), finerThanMs: false });
    expect(parseDateTime('2026-05-01t14:00:44.2545+02:00')).toEqual({ epochMs: Date.parse('2026-05-01T12:00:44.254Z'), finerThanMs: true });
    expect(parseDateTime('2026-05-01T11:30:44.254000000-00:30')).toEqual({ epochMs: Date.parse('2026-05-01T12:00:44.254Z'), finerThanMs: false });
    expect(parseDateTime('2026-05-01T12:00:44z')).toEqual({ epochMs: Date.parse('2026-05-01T12:00:44.000Z'), finerThanMs: false });
    expect(parseDateTime('0050-01-01T00:00:00.5Z')?.epochMs).toBe(Date.parse('0050-01-01T00:00:00.500Z'));
  });

  const refused = ['2026-05-01', '2026-05-01T12', '2026-05-01T12:00', '2026-05-01T12:00:00', '2026-05-01 12:00:00Z', '2026-02-30T00:00:00Z'];
  refused.push('2026-05-01T24:00:00Z', '2026-05-01T23:59:60Z', '2026-05-01T12:00:00,5Z', '2026-05-01T12:00:00.Z', '2026-05-01T12:00:00+24:00');
  refused.push('2026-05-01T12:00:00+0200', '2026-W18-5', '2026-121', '');
  it.each(refused)('refuses %j: no zone, a field missing or out of range, or not RFC 3339', (text) => expect(parseDateTime(text)).toBeNull());
});

describe('exclusiveBound', () => {
  const shown = '2026-05-01T12:00:44.254Z';

  it('is the instant itself at millisecond precision, on either side', () => {
    expect(exclusiveBound(shown, 'after').toISOString()).toBe(shown);
    expect(exclusiveBound(shown, 'before').toISOString()).toBe(shown);
  });

  it('rounds a finer after-bound down and a finer before-bound up, so a millisecond value compares as with the exact bound', () => {
    expect(exclusiveBound('2026-05-01T12:00:44.254999Z', 'after').toISOString()).toBe(shown);
    expect(exclusiveBound('2026-05-01T12:00:44.254001Z', 'before').toISOString()).toBe('2026-05-01T12:00:44.255Z');
    expect(exclusiveBound('2026-05-01T12:00:44.2540000Z', 'before').toISOString()).toBe(shown);
    expect(exclusiveBound('2026-05-01T12:00:44.999999Z', 'before').toISOString()).toBe('2026-05-01T12:00:45.000Z');
  });
});
