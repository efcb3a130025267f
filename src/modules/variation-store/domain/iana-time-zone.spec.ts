import { isIanaTimeZone } from './iana-time-zone';

describe('isIanaTimeZone', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'UTC', 'Etc/UTC', 'Etc/GMT+2', 'America/Argentina/Buenos_Aires'])(
    'accepts %s',
    (zone) => {
      expect(isIanaTimeZone(zone)).toBe(true);
    },
  );

  it.each(['Asia/Kolkata', 'Europe/Kyiv'])('accepts the current IANA name %s even if the runtime lists an older one', (zone) => {
    expect(isIanaTimeZone(zone)).toBe(true);
  });

  it.each([
    ['an unknown zone', 'Mars/Olympus'],
    ['the empty string', ''],
    ['an offset', '+02:00'],
    ['a compact offset', '-0200'],
    ['a prefixed offset', 'UTC+2'],
    ['a lower-case name', 'europe/berlin'],
    ['a wrongly cased name', 'EUROPE/BERLIN'],
    ['lower-case utc', 'utc'],
    ['surrounding spaces', ' Europe/Berlin '],
    ['an empty segment', 'Europe//Berlin'],
    ['an out-of-range Etc zone', 'Etc/GMT+13'],
  ])('rejects %s (%p)', (_, zone) => {
    expect(isIanaTimeZone(zone)).toBe(false);
  });
});
