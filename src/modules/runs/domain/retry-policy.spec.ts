import { retryDecision } from './retry-policy';

describe('retryDecision', () => {
  const policy = { maxAttempts: 4, backoffSeconds: 10, maxBackoffSeconds: 25 };

  it('retries a retryable error until maxAttempts tries were made, waiting twice as long each time up to the cap', () => {
    expect(retryDecision(policy, 0, true)).toEqual({ retry: true, delaySeconds: 10, nextTry: 2 });
    expect(retryDecision(policy, 1, true)).toEqual({ retry: true, delaySeconds: 20, nextTry: 3 });
    expect(retryDecision(policy, 2, true)).toEqual({ retry: true, delaySeconds: 25, nextTry: 4 });
    expect(retryDecision(policy, 3, true)).toEqual({ retry: false });
  });

  it('never retries without a policy, an error not marked retryable, or a policy of one attempt', () => {
    expect(retryDecision(null, 0, true)).toEqual({ retry: false });
    expect(retryDecision(undefined, 0, true)).toEqual({ retry: false });
    expect(retryDecision(policy, 0, false)).toEqual({ retry: false });
    expect(retryDecision({ ...policy, maxAttempts: 1 }, 0, true)).toEqual({ retry: false });
  });

  it('a zero backoff retries at once', () => {
    expect(retryDecision({ maxAttempts: 3, backoffSeconds: 0, maxBackoffSeconds: 0 }, 1, true)).toEqual({ retry: true, delaySeconds: 0, nextTry: 3 });
  });
});
