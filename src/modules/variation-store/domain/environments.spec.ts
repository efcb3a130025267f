import { canaryAfterMove, ENVIRONMENT_NAME, environmentSnapshot, parseDiffRef, routesToCanary, routingBucket } from './environments';

/** A small deterministic PRNG (mulberry32), so the "random" half of routing is reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const never = () => {
  throw new Error('a routing key must not draw');
};

describe('environment names', () => {
  it.each(['production', 'staging', 'eu-pilot', 'a', `a${'b'.repeat(30)}`])('accepts %s', (name) => expect(ENVIRONMENT_NAME.test(name)).toBe(true));
  it.each(['', 'Staging', '1st', '-x', 'eu_pilot', `a${'b'.repeat(31)}`, 'prod uction', 'draft'])('refuses %j', (name) => expect(ENVIRONMENT_NAME.test(name)).toBe(false));
});

describe('canary routing', () => {
  it.each([1, 10, 25, 50, 90, 99])('sends %i %% of 10,000 routing keys to the canary, within 2 points', (percent) => {
    let canary = 0;
    for (let i = 0; i < 10_000; i++) if (routesToCanary(percent, 42, `customer-${i}`, never)) canary++;
    expect(Math.abs(canary / 100 - percent)).toBeLessThanOrEqual(2);
  });

  it.each([1, 10, 25, 50, 90, 99])('sends %i %% of 10,000 runs without a key to the canary, within 2 points', (percent) => {
    const draw = seeded(percent);
    let canary = 0;
    for (let i = 0; i < 10_000; i++) if (routesToCanary(percent, 42, undefined, draw)) canary++;
    expect(Math.abs(canary / 100 - percent)).toBeLessThanOrEqual(2);
  });

  it('routes a key the same way every time, and a larger split keeps everyone the smaller one had', () => {
    for (let i = 0; i < 500; i++) {
      const key = `tenant-${i}`;
      const at10 = routesToCanary(10, 7, key, never);
      expect(routesToCanary(10, 7, key, never)).toBe(at10);
      if (at10) expect(routesToCanary(30, 7, key, never)).toBe(true);
    }
  });

  it('splits the same keys independently per agent', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    expect(keys.map((k) => routingBucket(1, k))).not.toEqual(keys.map((k) => routingBucket(2, k)));
  });

  it('draws at the edges: 0 is the canary, just under 1 is not', () => {
    expect(routesToCanary(1, 1, undefined, () => 0)).toBe(true);
    expect(routesToCanary(99, 1, undefined, () => 0.9999999)).toBe(false);
  });
});

describe('moving an environment', () => {
  const canary = { variationId: 'v8', version: 8, percent: 10 };
  it('keeps a canary on another version and ends one the primary reached', () => {
    expect(canaryAfterMove(canary, 7)).toBe(canary);
    expect(canaryAfterMove(canary, 8)).toBeNull();
    expect(canaryAfterMove(null, 8)).toBeNull();
  });

  it('records versions, not ids', () => {
    expect(environmentSnapshot({ version: 7, canary })).toEqual({ version: 7, canary: { version: 8, percent: 10 } });
    expect(environmentSnapshot(null)).toBeNull();
  });
});

describe('diff sides', () => {
  it('reads draft, a version number and an environment name', () => {
    expect(parseDiffRef('draft')).toEqual({ kind: 'draft' });
    expect(parseDiffRef('12')).toEqual({ kind: 'version', version: 12 });
    expect(parseDiffRef('staging')).toEqual({ kind: 'environment', name: 'staging' });
    expect(parseDiffRef('v2')).toEqual({ kind: 'environment', name: 'v2' });
  });
});
