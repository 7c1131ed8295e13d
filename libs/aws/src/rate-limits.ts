import type { RateLimitSpec } from './aws-config.js';

// The EC2 API's token buckets (per account and region) as AWS documents them (docs/real-aws.md).
const SPECIAL: Record<string, RateLimitSpec> = {
  CopyImage: { capacity: 100, refillPerSecond: 1 },
  ModifyImageAttribute: { capacity: 100, refillPerSecond: 5 },
  DeregisterImage: { capacity: 100, refillPerSecond: 5 },
  DeleteSnapshot: { capacity: 100, refillPerSecond: 5 },
  ModifySnapshotAttribute: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  EnableImageBlockPublicAccess: { capacity: 1, refillPerSecond: 0.1 },
  DisableImageBlockPublicAccess: { capacity: 1, refillPerSecond: 0.1 },
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
};
const NON_MUTATING: RateLimitSpec = { capacity: 100, refillPerSecond: 20 };
const UNFILTERED_DESCRIBE: RateLimitSpec = { capacity: 50, refillPerSecond: 10 };
const MUTATING: RateLimitSpec = { capacity: 50, refillPerSecond: 5 };

/** Suffix of the smaller bucket EC2 keeps for unfiltered, unpaginated describes. */
export const UNFILTERED = ':unfiltered';

/**
 * The bucket a call draws from: its action, except that DescribeInstances and
 * DescribeSnapshots without ids, filters, owners or MaxResults draw from
 * `DescribeInstances:unfiltered` (EC2's 50/10 bucket). SSM actions keep their `ssm:` prefix.
 */
export function bucketKeyFor(action: string, input: object = {}): string {
  if (action !== 'DescribeInstances' && action !== 'DescribeSnapshots') return action;
  const given = input as Record<string, unknown>;
  const narrowed = [
    'InstanceIds',
    'SnapshotIds',
    'OwnerIds',
    'Filters',
    'RestorableByUserIds',
  ].some((key) => Array.isArray(given[key]) && (given[key] as unknown[]).length > 0);
  return narrowed || given.MaxResults !== undefined ? action : action + UNFILTERED;
}

/** The documented default for a bucket key. */
export function defaultRateLimit(bucketKey: string): RateLimitSpec {
  if (bucketKey.endsWith(UNFILTERED)) return UNFILTERED_DESCRIBE;
  const special = SPECIAL[bucketKey];
  if (special) return special;
  const operation = bucketKey.includes(':')
    ? bucketKey.slice(bucketKey.indexOf(':') + 1)
    : bucketKey;
  return /^(Describe|Get|List)/.test(operation) ? NON_MUTATING : MUTATING;
}

/** Bucket sizes: overrides by key, else the defaults, then scaled (capacity never below 1). */
export class RateLimits {
  constructor(
    private readonly overrides: Record<string, RateLimitSpec> = {},
    private readonly scale = 1,
  ) {}

  for(bucketKey: string): RateLimitSpec {
    const spec = this.overrides[bucketKey] ?? defaultRateLimit(bucketKey);
    return {
      capacity: Math.max(1, Math.floor(spec.capacity * this.scale)),
      refillPerSecond: spec.refillPerSecond * this.scale,
    };
  }
}
