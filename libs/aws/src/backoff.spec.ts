import { backoffCeiling, backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';

describe('backoff with full jitter', () => {
  const policy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 20_000 };

  it('doubles the ceiling per retry from the base, capped at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((retry) => backoffCeiling(retry, policy))).toEqual([
      200, 400, 800, 1600, 3200, 6400, 12_800, 20_000, 20_000,
    ]);
  });

  it('waits anywhere from nothing up to (not including) the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.999_999)).toBeCloseTo(800, 0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
    for (let i = 0; i < 1000; i++) {
      const delay = backoffDelay(5, policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(3200);
    }
  });

  it('spreads callers that failed together (full jitter, not equal waits)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => Math.round(backoffDelay(4, policy))));
    expect(delays.size).toBeGreaterThan(25);
  });

  it('defaults to 8 attempts, 200 ms base, 20 s cap', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual(policy);
  });
});
