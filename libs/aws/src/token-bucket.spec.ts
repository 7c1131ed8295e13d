import { ManualClock } from './manual-clock.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  /** Starts `count` takers and records, per taker, the time it got its token. */
  function takers(bucket: TokenBucket, count: number): Array<number | undefined> {
    const grantedAt: Array<number | undefined> = Array.from({ length: count }, () => undefined);
    for (let i = 0; i < count; i++) void bucket.take().then(() => (grantedAt[i] = clock.now()));
    return grantedAt;
  }

  it('hands out a full bucket at once, then one token per refill interval', async () => {
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 2 }, clock);
    const grantedAt = takers(bucket, 9);
    await clock.advance(0);
    expect(grantedAt.filter((t) => t !== undefined)).toHaveLength(5);
    await clock.advance(2000);
    expect(grantedAt).toEqual([0, 0, 0, 0, 0, 500, 1000, 1500, 2000]);
  });

  it('serves waiting callers in the order they asked, ahead of later callers', async () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 10 }, clock);
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) void bucket.take().then(() => order.push(name));
    await clock.advance(150);
    // d asks when a token has just come back but b and c have been waiting
    void bucket.take().then(() => order.push('d'));
    await clock.advance(500);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refills up to its capacity and no further', async () => {
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 100 }, clock);
    const grantedAt = takers(bucket, 3);
    await clock.advance(0);
    expect(bucket.available()).toBe(0);
    await clock.advance(60_000);
    expect(bucket.available()).toBe(3);
    expect(grantedAt).toEqual([0, 0, 0]);
  });

  it('after a throttle, is empty and paused, so every caller sharing it slows down', async () => {
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 10 }, clock);
    bucket.throttled(300);
    const grantedAt = takers(bucket, 2);
    await clock.advance(299);
    expect(grantedAt).toEqual([undefined, undefined]);
    await clock.advance(1000);
    // paused for 300 ms; by then 3 tokens have refilled
    expect(grantedAt).toEqual([300, 300]);
  });

  it('waits asleep: one timer per bucket however many callers wait', async () => {
    const sleeps: number[] = [];
    const counting = {
      now: () => clock.now(),
      sleep: (ms: number) => (sleeps.push(ms), clock.sleep(ms)),
    };
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 }, counting);
    takers(bucket, 4);
    await clock.advance(0);
    expect(sleeps).toEqual([1000]);
    await clock.advance(3000);
    expect(sleeps).toEqual([1000, 1000, 1000]);
    expect(bucket.queued).toBe(0);
  });

  it('sends paced callers a margin after their token is due, without lowering the rate', async () => {
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 }, clock, 10);
    const grantedAt = takers(bucket, 6);
    await clock.advance(1000);
    expect(grantedAt).toEqual([0, 0, 110, 210, 310, 410]);
  });

  it('refuses a bucket that could never hand out a token', () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }, clock)).toThrow(
      /capacity >= 1/,
    );
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: 0 }, clock)).toThrow(
      /refillPerSecond > 0/,
    );
  });
});
