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

describe('Ec2Gateway pacing against EC2-like throttling', () => {
  it('keeps 30 concurrent calls within the bucket, so a proxy with that bucket throttles none', async () => {
    const bucket = { capacity: 5, refillPerSecond: 5 };
    // The proxy measures arrivals, the gateway paces departures: on a loaded machine one call
    // can leave on time and arrive late, so the next arrives close behind it. One call of slack
    // on the proxy's side absorbs that jitter; pacing itself is checked on the arrivals below.
    const proxyBucket = { capacity: bucket.capacity + 1, refillPerSecond: bucket.refillPerSecond };
    const account = uniqueAccount('3');
    const harness = gatewayFor(fidelity, account, { EC2_RATE_LIMITS: { DescribeImages: bucket } });
    gateway = harness.gateway;
    // sockets, credentials and the SDK's first-use work first (unpaced, on the raw client, with
    // the proxy not yet throttling), so arrival times reflect pacing alone
    const raw = harness.gateway.ec2(region);
    await Promise.all(
      Array.from({ length: 30 }, () => raw.send(new DescribeImagesCommand({ Owners: ['self'] }))),
    );
    await fidelity.configure({ throttle: true, buckets: { DescribeImages: proxyBucket } });
    await fidelity.resetCounters();
    const departures: number[] = [];
    raw.middlewareStack.add(
      (next) => async (args) => {
        departures.push(Date.now());
        return next(args);
      },
      { step: 'initialize', name: 'noteDeparture' },
    );

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
    // in any window, sends <= capacity + refill x window (5 ms slack for timestamps): pacing is
    // judged on departures, which the gateway controls; arrivals add the machine's jitter
    expect(departures).toHaveLength(30);
    for (let i = 0; i < departures.length; i++) {
      for (let j = i; j < departures.length; j++) {
        const windowSeconds = (departures[j]! - departures[i]! + 5) / 1000;
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
