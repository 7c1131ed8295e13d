import { backoffMs } from './backoff.js';

describe('backoffMs', () => {
  it('doubles the ceiling per attempt and caps it', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 100, 1000, top))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  it('keeps at least half the ceiling, so retries never stampede at once', () => {
    expect(backoffMs(3, 100, 10_000, () => 0)).toBe(200);
  });
});
