// The gateway against the fidelity proxy (throttling on) in front of real moto: our pacing
// keeps within EC2's buckets, and when it does not (another client, a looser setting),
// throttled calls are retried to success.
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { startFidelityForTest, type FidelityForTest } from '@ami/testing';
import type { Ec2Gateway } from '@ami/aws';
import { gatewayFor, uniqueAccount } from './gateway-harness.js';

const region = 'us-east-1';
let fidelity: FidelityForTest;
let gateway: Ec2Gateway | undefined;

beforeAll(async () => {
  fidelity = await startFidelityForTest();
});

afterAll(async () => {
  await fidelity?.close();
});

afterEach(async () => {
  gateway?.destroy();
  if (!fidelity) return;
  await fidelity.configure({ throttle: false, buckets: { DescribeImages: null } });
  await fidelity.reset();
});

/** Wraps the proxy's bucket check to note when each DescribeImages call reached it. */
function arrivalsOf(action: string): number[] {
  const arrivals: number[] = [];
  const throttle = fidelity.proxy.state.throttle;
  const tryAcquire = throttle.tryAcquire.bind(throttle);
  throttle.tryAcquire = (call) => {
    if (call.action === action) arrivals.push(Date.now());
    return tryAcquire(call);
  };
  return arrivals;
}

describe('Ec2Gateway pacing against EC2-like throttling', () => {
  it('keeps 30 concurrent calls within the bucket, so a proxy with the same bucket throttles none', async () => {
    const bucket = { capacity: 5, refillPerSecond: 5 };
    const account = uniqueAccount('3');
    const harness = gatewayFor(fidelity, account, { EC2_RATE_LIMITS: { DescribeImages: bucket } });
    gateway = harness.gateway;
    // sockets, credentials and the SDK's first-use work first (unpaced, on the raw client, with
    // the proxy not yet throttling), so arrival times reflect pacing alone
    const raw = harness.gateway.ec2(region);
    await Promise.all(
      Array.from({ length: 30 }, () => raw.send(new DescribeImagesCommand({ Owners: ['self'] }))),
    );
    await fidelity.configure({ throttle: true, buckets: { DescribeImages: bucket } });
    await fidelity.resetCounters();
    const arrivals = arrivalsOf('DescribeImages');

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        harness.gateway.send(region, new DescribeImagesCommand({ Owners: ['self'] })),
      ),
    );
    const elapsedMs = Date.now() - started;

    expect(results.every((r) => Array.isArray(r.Images))).toBe(true);
    const counts = (await fidelity.counters()).actions.DescribeImages;
    expect(counts).toMatchObject({ ok: 30, throttled: 0 });
    // 5 at once, then 25 at 5/s
    expect(elapsedMs).toBeGreaterThanOrEqual(4_900);
    // in any window, calls <= capacity + refill x window (20 ms slack for timestamps taken on arrival)
    expect(arrivals).toHaveLength(30);
    for (let i = 0; i < arrivals.length; i++) {
      for (let j = i; j < arrivals.length; j++) {
        const windowSeconds = (arrivals[j]! - arrivals[i]! + 20) / 1000;
        expect(j - i + 1).toBeLessThanOrEqual(
          bucket.capacity + bucket.refillPerSecond * windowSeconds,
        );
      }
    }
    expect(await harness.attempts('DescribeImages', 'throttled')).toBe(0);
  });

  it('retries throttled calls to success when EC2 is stricter than our pacing', async () => {
    const account = uniqueAccount('4');
    const harness = gatewayFor(fidelity, account, {
      EC2_RATE_LIMITS: { DescribeImages: { capacity: 100, refillPerSecond: 100 } },
    });
    gateway = harness.gateway;
    await fidelity.configure({
      throttle: true,
      buckets: { DescribeImages: { capacity: 2, refillPerSecond: 4 } },
    });
    await fidelity.resetCounters();

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        harness.gateway.send(region, new DescribeImagesCommand({ Owners: ['self'] })),
      ),
    );

    expect(results).toHaveLength(10);
    const counts = (await fidelity.counters()).actions.DescribeImages!;
    expect(counts.ok).toBe(10);
    expect(counts.throttled).toBeGreaterThan(0);
    // every refusal the proxy sent was seen, counted and retried by the gateway
    expect(await harness.attempts('DescribeImages', 'throttled')).toBe(counts.throttled);
    expect(await harness.attempts('DescribeImages', 'ok')).toBe(10);
    expect(await harness.attempts('DescribeImages', 'error')).toBe(0);
  });
});
