/** How the gateway retries a call that failed for a transient reason. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
};

/** The upper bound of the wait before retry number `retry` (1 for the first retry). */
export function backoffCeiling(retry: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
}

/**
 * Exponential backoff with full jitter: a uniform wait in [0, ceiling). Full jitter spreads
 * callers that failed together, so they do not come back together.
 */
export function backoffDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  return random() * backoffCeiling(retry, policy);
}
