import { LOCAL_STALE_MS, LocalTally } from './local-tally';
import { BucketPolicy } from './policy';

const large: BucketPolicy = { name: 'reads-caller', capacity: 1000, windowSeconds: 10 }; // 100 tokens a second

describe('a large bucket counted in memory between syncs', () => {
  it('sends every request of a small bucket to the database', () => {
    const tally = new LocalTally({ ...large, capacity: 999 });
    tally.synced(999, 0);
    expect(tally.peek(0)).toBeUndefined();
  });

  it('knows nothing before its first sync, and again once its sync is stale', () => {
    const tally = new LocalTally(large);
    expect(tally.peek(0)).toBeUndefined();
    tally.synced(800, 0);
    expect(tally.peek(LOCAL_STALE_MS)).toBeDefined();
    expect(tally.peek(LOCAL_STALE_MS + 1)).toBeUndefined();
  });

  it('admits while the bucket, less what it admitted, keeps the margin, counting the refill since the sync', () => {
    const tally = new LocalTally(large);
    tally.synced(60, 0);
    const admitted: number[] = [];
    for (let state = tally.peek(0); state; state = tally.peek(0)) {
      admitted.push(state.tokens);
      tally.count();
    }
    // 60 known, 5 % of 1000 kept: 10 admitted here, then the database decides.
    expect(admitted).toEqual([59, 58, 57, 56, 55, 54, 53, 52, 51, 50]);
    expect(tally.uncharged).toBe(10);
    // 100 ms later a tenth of a second's refill (10 tokens) is there again.
    expect(tally.peek(100)?.tokens).toBe(59);
  });

  it('hands its count to one statement, takes it back when that fails, and starts over from the answer', () => {
    const tally = new LocalTally(large);
    tally.synced(900, 0);
    tally.count();
    tally.count();
    const charged = tally.drain();
    expect(charged).toBe(2);
    expect(tally.uncharged).toBe(0);
    tally.count(); // admitted while the statement ran
    tally.restore(charged);
    expect(tally.uncharged).toBe(3);
    tally.drain();
    tally.synced(500, 10); // what the database held once the 3 were charged, other instances' spending included
    expect(tally.peek(10)?.tokens).toBe(499);
  });

  it('can be dropped once it has nothing to charge and its sync is stale', () => {
    const tally = new LocalTally(large);
    tally.synced(900, 0);
    tally.count();
    expect(tally.idle(LOCAL_STALE_MS + 1)).toBe(false);
    tally.drain();
    expect(tally.idle(LOCAL_STALE_MS)).toBe(false);
    expect(tally.idle(LOCAL_STALE_MS + 1)).toBe(true);
  });
});
