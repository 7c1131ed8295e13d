import { uniqueName } from '@ami/testing';
import { BuilderHarness, familySpec, startBuilder } from './builder-harness.js';

/**
 * A failure injected at each step (the fidelity proxy answers that step's EC2 or SSM call with
 * a 500 until the builder gives up): the build fails at that step, cleans up what it created
 * (instances terminated; a half-made image deregistered with its snapshots) and says so.
 */
describe('build failures at each step clean up and report (fault injection through the fidelity layer)', () => {
  let builder: BuilderHarness;
  beforeAll(async () => {
    builder = await startBuilder({ pendingMs: 500 });
  });
  afterAll(async () => {
    await builder?.close();
  });
  afterEach(async () => {
    await builder.fidelity.clearFaults();
    await builder.fidelity.configure({ pendingMs: 500 });
  });

  const cases: Array<{ step: string; action: string; service?: string }> = [
    { step: 'launch-instance', action: 'RunInstances' },
    { step: 'customise', action: 'SendCommand', service: 'ssm' },
    { step: 'stop-instance', action: 'StopInstances' },
    { step: 'create-image', action: 'CreateImage' },
  ];

  it.each(cases)(
    'fails at $step when $action keeps failing, and leaves nothing running',
    async ({ step, action, service }) => {
      const family = uniqueName(`fail-${step}`);
      await builder.applySpec(
        familySpec(family, {
          build: {
            region: 'us-east-1',
            customisation: { steps: [{ name: 'x', run: 'true' }] },
            testLaunch: { enabled: false },
          },
        }),
      );
      await builder.fidelity.addFault({ action, service, kind: 'internal-error' });
      expect(
        (await builder.http('POST', '/v1/builds', { family, reason: `fault at ${step}` })).body
          .outcome,
      ).toBe('build-started');
      const build = await builder.waitForBuild(family, ['failed', 'succeeded'], 60_000);
      expect(build).toMatchObject({ state: 'failed', failed_step: step });
      expect(build.failure_reason).toContain(`${step} failed`);
      if (build.instance_id) {
        expect(build.cleaned_up).toEqual(
          expect.arrayContaining([expect.stringContaining(build.instance_id)]),
        );
        expect(await builder.liveInstances(build.id)).toEqual([]);
      }
      const view = await builder.http('GET', `/v1/builds/${build.id}`, undefined, 'reader');
      expect(view.body.steps.at(-1)).toMatchObject({ step, status: 'failed' });
    },
  );

  it('fails at wait-image when the image never becomes available, deregistering it and deleting its snapshots', async () => {
    const family = uniqueName('fail-wait');
    await builder.applySpec(
      familySpec(family, { build: { region: 'us-east-1', testLaunch: { enabled: false } } }),
    );
    await builder.fidelity.configure({ pendingMs: 600_000 });
    await builder.http('POST', '/v1/builds', { family, reason: 'image stuck pending' });
    const build = await builder.waitForBuild(family, ['failed', 'succeeded'], 60_000);
    expect(build).toMatchObject({ state: 'failed', failed_step: 'wait-image' });
    expect(build.failure_reason).toMatch(/not available after 20 s/);
    expect(build.cleaned_up).toEqual(
      expect.arrayContaining([`image ${build.image_id}`, expect.stringMatching(/^snapshot snap-/)]),
    );
    expect(await builder.image(build.image_id)).toBeUndefined();
    expect(await builder.liveInstances(build.id)).toEqual([]);
  });

  it('cancels a running build on request, cleaning up', async () => {
    const family = uniqueName('cancel');
    await builder.applySpec(
      familySpec(family, { build: { region: 'us-east-1', testLaunch: { enabled: false } } }),
    );
    await builder.fidelity.configure({ pendingMs: 600_000 });
    const started = await builder.http('POST', '/v1/builds', { family, reason: 'to be cancelled' });
    await builder.waitForBuild(family, ['running'], 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    const cancelled = await builder.http('POST', `/v1/builds/${started.body.buildId}/cancel`);
    expect(cancelled.status).toBe(202);
    const build = await builder.waitForBuild(family, ['cancelled'], 30_000);
    expect(build.failure_reason).toMatch(/^cancelled while at/);
    expect(await builder.liveInstances(build.id)).toEqual([]);
    expect((await builder.http('POST', `/v1/builds/${build.id}/cancel`)).status).toBe(409);
    const retried = await builder.http('POST', `/v1/builds/${build.id}/retry`);
    expect(retried.body.outcome).toBe('build-started');
  });

  it('slows down under EC2 throttling but does not fail', async () => {
    const family = uniqueName('throttled');
    await builder.applySpec(
      familySpec(family, { build: { region: 'us-east-1', testLaunch: { enabled: false } } }),
    );
    await builder.fidelity.configure({
      pendingMs: 300,
      throttle: true,
      buckets: {
        DescribeInstances: { capacity: 1, refillPerSecond: 2 },
        DescribeImages: { capacity: 1, refillPerSecond: 2 },
      },
    });
    await builder.fidelity.resetCounters();
    await builder.http('POST', '/v1/builds', { family, reason: 'under throttling' });
    const build = await builder.waitForBuild(family, ['succeeded', 'failed'], 90_000);
    await builder.fidelity.configure({
      throttle: false,
      buckets: { DescribeInstances: null, DescribeImages: null },
    });
    expect({ state: build.state, reason: build.failure_reason }).toEqual({
      state: 'succeeded',
      reason: null,
    });
    const counters = await builder.fidelity.counters();
    expect(counters.totals.throttled).toBeGreaterThan(0);
  });
});
