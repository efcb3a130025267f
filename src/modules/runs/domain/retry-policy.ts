import type { RetryPolicy } from '../../variation-store/domain/admission-content';

/** What a retryable `error` leads to: another try after a wait, or failing for good. */
export type RetryDecision = { retry: false } | { retry: true; delaySeconds: number; nextTry: number };

/**
 * SPEC §15: with a policy, a retryable error re-queues the run until `maxAttempts` tries were made
 * (the first included). The waits grow exponentially from `backoffSeconds` (doubling each retry),
 * capped at `maxBackoffSeconds`. No jitter: the wait is the run's own, not a herd's.
 */
export function retryDecision(policy: RetryPolicy | null | undefined, retriesSoFar: number, retryable: boolean): RetryDecision {
  if (!policy || !retryable) return { retry: false };
  const triesSoFar = retriesSoFar + 1;
  if (triesSoFar >= policy.maxAttempts) return { retry: false };
  const delaySeconds = Math.min(policy.maxBackoffSeconds, policy.backoffSeconds * 2 ** retriesSoFar);
  return { retry: true, delaySeconds, nextTry: triesSoFar + 1 };
}
