import type { Clock } from './clock.js';
import { bucketKeyFor, RateLimits } from './rate-limits.js';
import { TokenBucket } from './token-bucket.js';

export interface PacingScope {
  account: string;
  region: string;
  action: string;
}

/**
 * Our side of EC2's request-rate limits: a token bucket per account x region x action.
 *
 * In memory, per process. AWS's bucket for an account is shared by every client of that
 * account (other services, the console, other tools), so ours is a floor-level courtesy that
 * keeps this process from being the one that empties it; throttling can still happen and the
 * retries that follow a RequestLimitExceeded stay necessary.
 */
export class Ec2Pacing {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Clock,
    private readonly marginMs = 0,
  ) {}

  bucket(scope: PacingScope, input?: object): TokenBucket {
    const bucketKey = bucketKeyFor(scope.action, input);
    const key = `${scope.account}/${scope.region}/${bucketKey}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.for(bucketKey), this.clock, this.marginMs);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
