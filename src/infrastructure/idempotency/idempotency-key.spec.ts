import { DomainError } from '../../common/errors/domain-error';
import { canonicalJson, parseIdempotencyKey, requestFingerprint } from './idempotency-key';

describe('parseIdempotencyKey', () => {
  it('takes a bare key or a Structured Field string as the same key', () => {
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('"8e03978e"')).toBe('8e03978e');
    expect(parseIdempotencyKey('"a \\"quoted\\" \\\\ key"')).toBe('a "quoted" \\ key');
    expect(parseIdempotencyKey('k'.repeat(255))).toHaveLength(255);
  });

  it.each([['empty', ''], ['empty quoted', '""'], ['too long', 'k'.repeat(256)], ['a tab', 'a\tb'], ['non-ASCII', 'clé'], ['DEL', 'a\x7f'], ['sent twice', ['a', 'b']]])(
    'refuses %s with 400 naming the header',
    (_what, header) => {
      let caught: unknown;
      try {
        parseIdempotencyKey(header);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect((caught as DomainError).errors?.map((error) => error.field)).toEqual(['Idempotency-Key']);
    },
  );
});

describe('the request fingerprint', () => {
  it('ignores the order of object fields but not of arrays, nor the method, path or values', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    const base = requestFingerprint('POST', '/api/v1/agents', { a: 1, b: [1, 2] });
    expect(requestFingerprint('POST', '/api/v1/agents', { b: [1, 2], a: 1 })).toBe(base);
    expect(requestFingerprint('POST', '/api/v1/agents', { a: 1, b: [2, 1] })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/agents?x=1', { a: 1, b: [1, 2] })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/agents', undefined)).not.toBe(requestFingerprint('POST', '/api/v1/agents', null));
  });
});
