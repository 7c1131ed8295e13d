import { bucketKeyFor, defaultRateLimit, RateLimits } from './rate-limits.js';

describe('rate limits', () => {
  it.each([
    ['DescribeImages', 100, 20],
    ['DescribeImageAttribute', 100, 20],
    ['GetImageBlockPublicAccessState', 100, 20],
    ['DescribeInstances', 100, 20],
    ['DescribeInstances:unfiltered', 50, 10],
    ['DescribeSnapshots:unfiltered', 50, 10],
    ['CreateImage', 50, 5],
    ['RegisterImage', 50, 5],
    ['EnableImageDeprecation', 50, 5],
    ['DisableImageDeprecation', 50, 5],
    ['CopyImage', 100, 1],
    ['ModifyImageAttribute', 100, 5],
    ['DeregisterImage', 100, 5],
    ['DeleteSnapshot', 100, 5],
    ['ModifySnapshotAttribute', 100, 5],
    ['CreateTags', 100, 10],
    ['DeleteTags', 100, 10],
    ['EnableImageBlockPublicAccess', 1, 0.1],
    ['DisableImageBlockPublicAccess', 1, 0.1],
    ['RunInstances', 5, 2],
    ['TerminateInstances', 100, 5],
    ['ssm:GetParameter', 100, 20],
    ['ssm:SendCommand', 50, 5],
  ])(
    '%s defaults to a bucket of %i refilled %d/s (aws-facts.md)',
    (key, capacity, refillPerSecond) => {
      expect(defaultRateLimit(key)).toEqual({ capacity, refillPerSecond });
    },
  );

  it('puts unfiltered, unpaginated DescribeInstances/DescribeSnapshots in their smaller bucket', () => {
    expect(bucketKeyFor('DescribeInstances', {})).toBe('DescribeInstances:unfiltered');
    expect(bucketKeyFor('DescribeSnapshots', { SnapshotIds: [] })).toBe(
      'DescribeSnapshots:unfiltered',
    );
    expect(bucketKeyFor('DescribeInstances', { MaxResults: 1000 })).toBe('DescribeInstances');
    expect(bucketKeyFor('DescribeInstances', { InstanceIds: ['i-1'] })).toBe('DescribeInstances');
    expect(bucketKeyFor('DescribeSnapshots', { OwnerIds: ['self'] })).toBe('DescribeSnapshots');
    expect(bucketKeyFor('DescribeImages', {})).toBe('DescribeImages');
  });

  it('applies overrides, then the global scale (never below one token)', () => {
    const limits = new RateLimits({ CopyImage: { capacity: 10, refillPerSecond: 2 } }, 0.1);
    expect(limits.for('CopyImage')).toEqual({ capacity: 1, refillPerSecond: 0.2 });
    expect(limits.for('DescribeImages')).toEqual({ capacity: 10, refillPerSecond: 2 });
    expect(new RateLimits().for('RunInstances')).toEqual({ capacity: 5, refillPerSecond: 2 });
  });
});
