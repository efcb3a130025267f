import { BucketPolicy, familyOf, MemoryBucket, rateLimitHeaders, secondsUntilFull, secondsUntilNextToken } from './policy';

const policy: BucketPolicy = { name: 'reads-caller', capacity: 10, windowSeconds: 5 }; // 2 tokens a second

describe('rate limit policy', () => {
  it('sorts methods into reads and writes', () => {
    expect(['GET', 'HEAD'].map(familyOf)).toEqual(['reads', 'reads']);
    expect(['POST', 'PATCH', 'PUT', 'DELETE'].map(familyOf)).toEqual(['writes', 'writes', 'writes', 'writes']);
  });

  it('lets a full bucket take its capacity at once, then one token per refill interval', () => {
    const bucket = MemoryBucket.full(policy, 0);
    const taken = Array.from({ length: 12 }, () => bucket.take(policy, 0).allowed);
    expect(taken.filter(Boolean)).toHaveLength(10);
    expect(bucket.take(policy, 400).allowed).toBe(false); // 0.8 of a token
    expect(bucket.take(policy, 500).allowed).toBe(true); // 1 token at 500 ms
    expect(bucket.take(policy, 500).allowed).toBe(false);
  });

  it('never holds more than its capacity, however long it rests', () => {
    const bucket = MemoryBucket.full(policy, 0);
    bucket.take(policy, 0);
    expect(bucket.take(policy, 3_600_000).tokens).toBe(9);
    expect(bucket.isFull(policy, 3_600_000)).toBe(false);
  });

  it('gives a token back, up to its capacity', () => {
    const bucket = MemoryBucket.full(policy, 0);
    bucket.take(policy, 0);
    bucket.giveBack(policy, 0);
    bucket.giveBack(policy, 0);
    expect(bucket.isFull(policy, 0)).toBe(true);
    expect(bucket.take(policy, 0).tokens).toBe(9);
  });

  it('says when the next token comes and when the bucket is full, in whole seconds', () => {
    expect(secondsUntilNextToken({ policy, tokens: 0.2, allowed: false })).toBe(1);
    expect(secondsUntilNextToken({ policy: { ...policy, capacity: 1, windowSeconds: 60 }, tokens: 0, allowed: false })).toBe(60);
    expect(secondsUntilFull({ policy, tokens: 4, allowed: true })).toBe(3);
    expect(secondsUntilFull({ policy, tokens: 10, allowed: true })).toBe(0);
  });

  it('writes the draft headers with one item per bucket', () => {
    const org: BucketPolicy = { name: 'reads-org', capacity: 100, windowSeconds: 60 };
    expect(rateLimitHeaders([{ policy: org, tokens: 97.6, allowed: true }, { policy, tokens: 0.5, allowed: false }])).toEqual({
      'RateLimit-Policy': '"reads-org";q=100;w=60, "reads-caller";q=10;w=5',
      RateLimit: '"reads-org";r=97;t=2, "reads-caller";r=0;t=5',
    });
  });
});
