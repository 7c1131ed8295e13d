import { defaultRateLimit } from '@ami/aws';
// EC2 request-rate throttling: a token bucket per account x region x action, sized by the
// table AWS documents (docs/real-aws.md). A throttled call consumes no token.
import { getFilters, getList, getParam, type Ec2Call, type Params } from './ec2-request.js';

export interface BucketSpec {
  /** Tokens the bucket holds when full (the burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.capacity;
    this.updatedAt = now;
  }

  /** Takes one token if there is one; refills for the time elapsed first. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(
      this.spec.capacity,
      this.tokens + elapsedSeconds * this.spec.refillPerSecond,
    );
    this.updatedAt = now;
  }
}

// The defaults are the gateway's own (aws-facts.md): one table for the pacing and the emulation.
const UNFILTERED_SUFFIX = ':unfiltered';

function isUnfilteredUnpaginated(action: string, params: Params): boolean {
  if (action !== 'DescribeInstances' && action !== 'DescribeSnapshots') return false;
  const ids =
    action === 'DescribeInstances' ? getList(params, 'InstanceId') : getList(params, 'SnapshotId');
  const owners = action === 'DescribeSnapshots' ? getList(params, 'Owner') : [];
  return (
    ids.length === 0 &&
    owners.length === 0 &&
    getFilters(params).length === 0 &&
    !getParam(params, 'MaxResults')
  );
}

/**
 * The bucket a call draws from. Unfiltered, unpaginated DescribeInstances/DescribeSnapshots
 * have their own, smaller bucket (`DescribeInstances:unfiltered`).
 */
export function bucketKeyFor(call: Pick<Ec2Call, 'action' | 'params'>): string {
  return isUnfilteredUnpaginated(call.action, call.params)
    ? call.action + UNFILTERED_SUFFIX
    : call.action;
}

/** The default size of a bucket, by its key (an action name, or one with `:unfiltered`). */
export function defaultBucketSpec(bucketKey: string): BucketSpec {
  return defaultRateLimit(bucketKey);
}

export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly overrides = new Map<string, BucketSpec>();

  constructor(
    private readonly now: () => number,
    overrides: Record<string, BucketSpec> = {},
  ) {
    this.setOverrides(overrides);
  }

  /** True when the call may proceed (and a token was taken). */
  tryAcquire(call: Pick<Ec2Call, 'account' | 'region' | 'action' | 'params'>): boolean {
    const bucketKey = bucketKeyFor(call);
    const key = `${call.account}/${call.region}/${bucketKey}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.specFor(bucketKey), this.now());
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake(this.now());
  }

  specFor(bucketKey: string): BucketSpec {
    return this.overrides.get(bucketKey) ?? defaultBucketSpec(bucketKey);
  }

  getOverrides(): Record<string, BucketSpec> {
    return Object.fromEntries(this.overrides);
  }

  /** Replaces the given bucket sizes (null restores the default); affected buckets start full. */
  setOverrides(overrides: Record<string, BucketSpec | null>): void {
    for (const [bucketKey, spec] of Object.entries(overrides)) {
      if (spec === null) this.overrides.delete(bucketKey);
      else this.overrides.set(bucketKey, validateBucketSpec(bucketKey, spec));
      for (const key of this.buckets.keys()) {
        if (key.endsWith(`/${bucketKey}`)) this.buckets.delete(key);
      }
    }
  }

  /** Refills every bucket (forgets them); overrides stay. */
  reset(): void {
    this.buckets.clear();
  }
}

export function validateBucketSpec(bucketKey: string, spec: unknown): BucketSpec {
  const candidate = spec as Partial<BucketSpec> | null;
  const capacity = candidate?.capacity;
  const refill = candidate?.refillPerSecond;
  if (typeof capacity !== 'number' || !Number.isFinite(capacity) || capacity < 0) {
    throw new Error(`bucket ${bucketKey}: capacity must be a number >= 0`);
  }
  if (typeof refill !== 'number' || !Number.isFinite(refill) || refill < 0) {
    throw new Error(`bucket ${bucketKey}: refillPerSecond must be a number >= 0`);
  }
  return { capacity, refillPerSecond: refill };
}
