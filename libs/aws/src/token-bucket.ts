import type { RateLimitSpec } from './aws-config.js';
import type { Clock } from './clock.js';

// tolerance for floating-point refill arithmetic (a bucket refilled "exactly" to 1 may hold 0.9999999)
const EPSILON = 1e-9;

/**
 * A token bucket that makes callers wait (asleep, not spinning) for a token, first come first
 * served. Starts full.
 *
 * `marginMs`: a waiting caller wakes this long after its token is due. The remote bucket
 * (EC2's) counts arrivals, not our sends; when the first calls of a burst reach it later than
 * a paced call that follows (they queue behind each other in the SDK and on the wire), an
 * exact pace looks a fraction of a token too fast there. The margin shifts paced calls by a
 * constant and leaves the rate unchanged (the bucket keeps refilling meanwhile).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;
  private readonly waiters: Array<() => void> = [];
  private sleeping = false;

  constructor(
    readonly spec: RateLimitSpec,
    private readonly clock: Clock,
    private readonly marginMs = 0,
  ) {
    if (!(spec.capacity >= 1) || !(spec.refillPerSecond > 0))
      throw new Error(
        `a token bucket needs capacity >= 1 and refillPerSecond > 0, got ${JSON.stringify(spec)}`,
      );
    this.tokens = spec.capacity;
    this.updatedAt = clock.now();
  }

  /** Resolves when the caller holds a token; callers are served in the order they asked. */
  take(): Promise<void> {
    if (this.waiters.length === 0 && this.tryTake()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.wakeLater();
    });
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.clock.now() < this.pausedUntil ? 0 : this.tokens;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /**
   * EC2 said "slow down": empty the bucket and hand out nothing for `pauseMs`, so every caller
   * sharing it backs off, not only the one that was refused.
   */
  throttled(pauseMs: number): void {
    this.refill();
    this.tokens = 0;
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + pauseMs);
  }

  private tryTake(): boolean {
    this.refill();
    if (this.clock.now() < this.pausedUntil || this.tokens < 1 - EPSILON) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(
      this.spec.capacity,
      this.tokens + elapsedSeconds * this.spec.refillPerSecond,
    );
    this.updatedAt = now;
  }

  /** Milliseconds until the next token can be handed out. */
  private msUntilNextToken(): number {
    this.refill();
    const now = this.clock.now();
    const refillMs =
      this.tokens >= 1 - EPSILON ? 0 : ((1 - this.tokens) / this.spec.refillPerSecond) * 1000;
    return Math.max(this.pausedUntil - now, refillMs);
  }

  // One timer per bucket, whatever the queue length: it serves the head and re-arms.
  private wakeLater(): void {
    if (this.sleeping) return;
    this.sleeping = true;
    void this.clock.sleep(this.msUntilNextToken() + this.marginMs).then(() => {
      this.sleeping = false;
      while (this.waiters.length > 0 && this.tryTake()) this.waiters.shift()!();
      if (this.waiters.length > 0) this.wakeLater();
    });
  }
}
