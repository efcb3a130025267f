import { decodePageToken, encodePageToken } from './page-token';

describe('page tokens', () => {
  it('round-trip numeric and string cursors', () => {
    expect(decodePageToken(encodePageToken(42))).toBe(42);
    expect(decodePageToken(encodePageToken('9007199254740993'))).toBe('9007199254740993');
  });

  it('reject tampered tokens', () => {
    expect(decodePageToken('garbage')).toBeNull();
    expect(decodePageToken(Buffer.from('{"after":"1; DROP"}').toString('base64url'))).toBeNull();
    expect(decodePageToken(Buffer.from('{"after":1.5}').toString('base64url'))).toBeNull();
  });
});
