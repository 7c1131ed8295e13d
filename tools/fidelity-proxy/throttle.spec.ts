import { TokenBucket, Throttle, bucketKeyFor, defaultBucketSpec } from './throttle.js';

describe('TokenBucket', () => {
  it('allows a burst up to its capacity, then refuses until it refills', () => {
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, 0);
    expect([bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0)]).toEqual([true, true, true]);
    expect(bucket.tryTake(0)).toBe(false);
    expect(bucket.tryTake(499)).toBe(false);
    expect(bucket.tryTake(500)).toBe(true);
    expect(bucket.tryTake(500)).toBe(false);
  });

  it('never holds more than its capacity however long it waits', () => {
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 }, 0);
    bucket.tryTake(0);
    expect(bucket.available(60_000)).toBe(2);
  });

  it('does not charge a refused call', () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 }, 0);
    bucket.tryTake(0);
    for (let i = 0; i < 10; i++) bucket.tryTake(100);
    expect(bucket.tryTake(1000)).toBe(true);
  });
});

describe('Throttle', () => {
  const call = (
    action: string,
    account = '111111111111',
    region = 'us-east-1',
    params: Array<[string, string]> = [],
  ) => ({ action, account, region, params });

  it('keeps one bucket per account x region x action', () => {
    let now = 0;
    const throttle = new Throttle(() => now, { CreateImage: { capacity: 1, refillPerSecond: 0 } });
    expect(throttle.tryAcquire(call('CreateImage'))).toBe(true);
    expect(throttle.tryAcquire(call('CreateImage'))).toBe(false);
    expect(throttle.tryAcquire(call('CreateImage', '222222222222'))).toBe(true);
    expect(throttle.tryAcquire(call('CreateImage', '111111111111', 'eu-west-1'))).toBe(true);
    expect(throttle.tryAcquire(call('CopyImage'))).toBe(true);
    now = 10_000;
    expect(throttle.tryAcquire(call('CreateImage'))).toBe(false);
  });

  it('applies a changed bucket size at once, starting full', () => {
    const throttle = new Throttle(() => 0);
    for (let i = 0; i < 5; i++) expect(throttle.tryAcquire(call('RunInstances'))).toBe(true);
    expect(throttle.tryAcquire(call('RunInstances'))).toBe(false);
    throttle.setOverrides({ RunInstances: { capacity: 2, refillPerSecond: 0 } });
    expect([
      throttle.tryAcquire(call('RunInstances')),
      throttle.tryAcquire(call('RunInstances')),
    ]).toEqual([true, true]);
    expect(throttle.tryAcquire(call('RunInstances'))).toBe(false);
    throttle.setOverrides({ RunInstances: null });
    expect(throttle.specFor('RunInstances')).toEqual({ capacity: 5, refillPerSecond: 2 });
  });

  it('sizes buckets by the aws-facts.md table', () => {
    expect(defaultBucketSpec('DescribeImages')).toEqual({ capacity: 100, refillPerSecond: 20 });
    expect(defaultBucketSpec('GetImageBlockPublicAccessState')).toEqual({
      capacity: 100,
      refillPerSecond: 20,
    });
    expect(defaultBucketSpec('CreateImage')).toEqual({ capacity: 50, refillPerSecond: 5 });
    expect(defaultBucketSpec('EnableImageDeprecation')).toEqual({
      capacity: 50,
      refillPerSecond: 5,
    });
    expect(defaultBucketSpec('CopyImage')).toEqual({ capacity: 100, refillPerSecond: 1 });
    expect(defaultBucketSpec('DeregisterImage')).toEqual({ capacity: 100, refillPerSecond: 5 });
    expect(defaultBucketSpec('CreateTags')).toEqual({ capacity: 100, refillPerSecond: 10 });
    expect(defaultBucketSpec('EnableImageBlockPublicAccess')).toEqual({
      capacity: 1,
      refillPerSecond: 0.1,
    });
    expect(defaultBucketSpec('RunInstances')).toEqual({ capacity: 5, refillPerSecond: 2 });
    expect(defaultBucketSpec('TerminateInstances')).toEqual({ capacity: 100, refillPerSecond: 5 });
  });

  it('gives unfiltered, unpaginated DescribeInstances its own smaller bucket', () => {
    expect(bucketKeyFor({ action: 'DescribeInstances', params: [] })).toBe(
      'DescribeInstances:unfiltered',
    );
    expect(defaultBucketSpec('DescribeInstances:unfiltered')).toEqual({
      capacity: 50,
      refillPerSecond: 10,
    });
    expect(bucketKeyFor({ action: 'DescribeInstances', params: [['MaxResults', '50']] })).toBe(
      'DescribeInstances',
    );
    expect(
      bucketKeyFor({
        action: 'DescribeInstances',
        params: [
          ['Filter.1.Name', 'image-id'],
          ['Filter.1.Value.1', 'ami-1'],
        ],
      }),
    ).toBe('DescribeInstances');
    expect(bucketKeyFor({ action: 'DescribeImages', params: [] })).toBe('DescribeImages');
  });
});
