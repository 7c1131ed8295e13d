import { MetricsService } from '@ami/observability';
import { awsConfig, type AwsConfig } from './aws-config.js';
import { Ec2Error } from './aws-errors.js';
import { Ec2Gateway } from './ec2-gateway.js';
import { InstantClock, ManualClock } from './manual-clock.js';
import type { Clock } from './clock.js';

function awsError(code: string, status: number) {
  return Object.assign(new Error(`${code} happened`), {
    name: code,
    Code: code,
    $metadata: { httpStatusCode: status },
  });
}

function gatewayWith(clock: Clock, config: Partial<AwsConfig> = {}, random = () => 0.5) {
  const metrics = new MetricsService();
  const gateway = new Ec2Gateway({ config: awsConfig(config), metrics, clock, random });
  const attempts = async (outcome: string) => {
    const counter = await metrics.registry.getSingleMetric('ami_ec2_calls_total')!.get();
    return counter.values
      .filter((v) => v.labels.outcome === outcome)
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { gateway, metrics, attempts };
}

/** A fake AWS answer sequence: each entry is thrown if it is an Error, returned otherwise. */
function answers(...sequence: unknown[]) {
  let calls = 0;
  const fn = async (): Promise<string> => {
    const next = sequence[Math.min(calls++, sequence.length - 1)];
    if (next instanceof Error) throw next;
    return next as string;
  };
  return { fn, calls: () => calls };
}

const describeImages = { region: 'us-east-1', action: 'DescribeImages' };

describe('Ec2Gateway retries', () => {
  it('retries a throttled call until it succeeds, counting each throttle', async () => {
    const { gateway, attempts } = gatewayWith(new InstantClock());
    const aws = answers(
      awsError('RequestLimitExceeded', 503),
      awsError('RequestLimitExceeded', 503),
      awsError('Throttling', 400),
      'images',
    );
    await expect(gateway.call(describeImages, aws.fn)).resolves.toBe('images');
    expect(aws.calls()).toBe(4);
    expect(await attempts('throttled')).toBe(3);
    expect(await attempts('ok')).toBe(1);
  });

  it('retries 5xx and lost connections as "retried"', async () => {
    const { gateway, attempts } = gatewayWith(new InstantClock());
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const aws = answers(awsError('InternalError', 500), reset, 'ok');
    await expect(gateway.call(describeImages, aws.fn)).resolves.toBe('ok');
    expect(await attempts('retried')).toBe(2);
  });

  it('stops at once on a non-retryable error and says what it was', async () => {
    const { gateway, attempts } = gatewayWith(new InstantClock());
    const aws = answers(awsError('InvalidAMIID.NotFound', 400), 'never');
    const error = await gateway
      .call({ ...describeImages, account: '210987654321' }, aws.fn)
      .catch((e: unknown) => e);
    expect(aws.calls()).toBe(1);
    expect(error).toBeInstanceOf(Ec2Error);
    expect(error).toMatchObject({
      kind: 'not-found',
      code: 'InvalidAMIID.NotFound',
      retryable: false,
      action: 'DescribeImages',
      region: 'us-east-1',
      account: '210987654321',
      attempts: 1,
    });
    expect(await attempts('error')).toBe(1);
  });

  it('gives up after the configured attempts, waiting full-jitter backoff between them', async () => {
    const clock = new InstantClock();
    const { gateway } = gatewayWith(
      clock,
      { EC2_RETRY_MAX_ATTEMPTS: 4, EC2_RETRY_BASE_MS: 100 },
      () => 0.75,
    );
    const aws = answers(awsError('InternalError', 500));
    const error = await gateway.call(describeImages, aws.fn).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'server', retryable: true, attempts: 4 });
    expect(aws.calls()).toBe(4);
    // 0.75 of the ceilings 100, 200, 400; the bucket has tokens, so no other waits
    expect(clock.slept).toEqual([75, 150, 300]);
  });
});

describe('Ec2Gateway pacing', () => {
  it('holds calls beyond the bucket until tokens refill, per account x region x action', async () => {
    const clock = new ManualClock();
    const { gateway, metrics } = gatewayWith(clock, {
      EC2_RATE_LIMITS: { DescribeImages: { capacity: 2, refillPerSecond: 1 } },
      EC2_PACING_MARGIN_MS: 0,
    });
    const startedAt: number[] = [];
    const call = (ctx: { region: string; account?: string; action: string }) =>
      gateway.call(ctx, async () => void startedAt.push(clock.now()));
    const paced = [1, 2, 3, 4].map(() => call(describeImages));
    const otherRegion = call({ ...describeImages, region: 'eu-west-1' });
    const otherAccount = call({ ...describeImages, account: '111111111111' });
    const otherAction = call({ region: 'us-east-1', action: 'DescribeSnapshots' });
    await clock.advance(5_000);
    await Promise.all([...paced, otherRegion, otherAccount, otherAction]);
    expect(startedAt).toEqual([0, 0, 0, 0, 0, 1000, 2000]);
    const waits = await metrics.registry.getSingleMetric('ami_ec2_pacing_wait_seconds')!.get();
    const sum = waits.values.find(
      (v) =>
        (v as { metricName?: string }).metricName === 'ami_ec2_pacing_wait_seconds_sum' &&
        v.labels.region === 'us-east-1' &&
        v.labels.action === 'DescribeImages',
    );
    expect(sum?.value).toBe(3);
  });

  it('makes sibling calls wait when one of them is throttled', async () => {
    const clock = new ManualClock();
    const { gateway } = gatewayWith(
      clock,
      { EC2_RETRY_BASE_MS: 500, EC2_PACING_MARGIN_MS: 0 },
      () => 0,
    );
    const throttledOnce = answers(awsError('RequestLimitExceeded', 503), 'first');
    const first = gateway.call(describeImages, throttledOnce.fn);
    await clock.advance(0);
    let siblingAt: number | undefined;
    const sibling = gateway.call(describeImages, async () => void (siblingAt = clock.now()));
    await clock.advance(499);
    expect(siblingAt).toBeUndefined();
    await clock.advance(1_000);
    await expect(first).resolves.toBe('first');
    await sibling;
    expect(siblingAt).toBe(500);
  });
});
