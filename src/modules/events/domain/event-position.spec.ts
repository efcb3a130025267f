import fc from 'fast-check';
import { comparePositions, decodeEventId, decodePageCursor, encodeEventId, encodePageCursor, EventPosition, positionBefore } from './event-position';

const position: fc.Arbitrary<EventPosition> = fc.record({
  txid: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  seq: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
});

describe('event ids', () => {
  it('round-trip every position', () => {
    fc.assert(fc.property(position, (p) => expect(decodeEventId(encodeEventId(p))).toEqual(p)));
  });

  it('compare as strings exactly as their positions compare', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const [x, y] = [encodeEventId(a), encodeEventId(b)];
        expect(Math.sign(x < y ? -1 : x > y ? 1 : 0)).toBe(Math.sign(comparePositions(a, b)));
      }),
    );
  });

  it('order by transaction first, then by the order within it', () => {
    expect(comparePositions({ txid: 5n, seq: 100n }, { txid: 6n, seq: 1n })).toBeLessThan(0);
    expect(comparePositions({ txid: 6n, seq: 2n }, { txid: 6n, seq: 1n })).toBeGreaterThan(0);
    expect(comparePositions(positionBefore(6n), { txid: 6n, seq: 1n })).toBeLessThan(0);
    expect(comparePositions(positionBefore(6n), { txid: 5n, seq: 1n << 62n })).toBeGreaterThan(0);
  });

  it.each(['', 'x', '0'.repeat(31), '0'.repeat(33), 'G'.repeat(32), '0000000000000001000000000000000A', `${'0'.repeat(16)}8${'0'.repeat(15)}`])('refuses %j', (text) => {
    expect(decodeEventId(text)).toBeNull();
  });
});

describe('page tokens', () => {
  it('round-trip a direction and a position', () => {
    fc.assert(
      fc.property(position, fc.constantFrom('next' as const, 'previous' as const), (from, direction) => {
        expect(decodePageCursor(encodePageCursor({ direction, from }))).toEqual({ direction, from });
      }),
    );
  });

  it.each(['', 'garbage', Buffer.from(`x${'0'.repeat(32)}`).toString('base64url'), Buffer.from('n123').toString('base64url')])('refuse %j', (token) => {
    expect(decodePageCursor(token)).toBeNull();
  });
});
