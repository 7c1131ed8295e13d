import { BUILD_STEPS, REBUILD_REQUESTED, Topics } from '@ami/contracts';
import { collect, testKafka, uniqueName } from '@ami/testing';
import { BuilderHarness, familySpec, startBuilder } from './builder-harness.js';

describe('builds through the fidelity layer (pending images on), real Kafka and PostgreSQL', () => {
  let builder: BuilderHarness;
  beforeAll(async () => {
    builder = await startBuilder({ pendingMs: 1500 });
  });
  afterAll(async () => {
    await builder?.close();
  });

  it('turns a rebuild request on Kafka into an available AMI, with audit events for each step and no instance left', async () => {
    const family = uniqueName('web');
    await builder.applySpec(familySpec(family));
    const audit = await collect(testKafka(), [Topics.Audit, Topics.Builds]);
    await builder.fidelity.resetCounters();
    await builder.publish(
      REBUILD_REQUESTED,
      { family, reason: 'CVE-2026-1234', requestedBy: 'feed:cve', idempotencyKey: 'cve-1234' },
      family,
    );
    const build = await builder.waitForBuild(family, ['succeeded', 'failed', 'rejected'], 90_000);
    expect({ state: build.state, reason: build.failure_reason }).toEqual({
      state: 'succeeded',
      reason: null,
    });

    const image = await builder.image(build.image_id);
    expect(image).toMatchObject({
      State: 'available',
      Name: `ami-factory/${family}/${build.version}`,
    });
    expect(image?.Tags).toEqual(
      expect.arrayContaining([{ Key: 'ami-factory:build-id', Value: build.id }]),
    );
    expect(await builder.liveInstances(build.id)).toEqual([]);

    const view = await builder.http('GET', `/v1/builds/${build.id}`, undefined, 'reader');
    const completed = view.body.steps
      .filter((s: any) => s.status === 'completed')
      .map((s: any) => s.step);
    expect(completed).toEqual([...BUILD_STEPS]);
    expect(view.body.steps.every((s: any) => typeof s.seconds === 'number')).toBe(true);

    const events = await audit.waitFor((m) =>
      m.some(
        (x) =>
          x.topic === Topics.Builds &&
          x.message.value!.toString().includes('"ami.build.succeeded"') &&
          x.message.key?.toString() === family,
      ),
    );
    await audit.stop();
    const mine = events
      .filter((x) => x.message.key?.toString() === family)
      .map((x) => JSON.parse(x.message.value!.toString()));
    const audited = mine
      .filter((e) => e.type === 'ami.audit.recorded')
      .map((e) => `${e.data.action}:${e.data.after?.step ?? ''}`);
    for (const step of BUILD_STEPS.filter((s) => s !== 'publish'))
      expect(audited).toContain(`build.step.completed:${step}`);
    expect(audited).toContain('build.succeeded:');
    const succeeded = mine.find((e) => e.type === 'ami.build.succeeded');
    expect(succeeded.data).toMatchObject({
      family,
      version: build.version,
      image: { imageId: build.image_id, region: 'us-east-1' },
    });

    const grpcView = await builder.grpc('GetBuild', { id: build.id });
    expect(grpcView).toMatchObject({
      id: build.id,
      state: 'succeeded',
      version: build.version,
      imageId: build.image_id,
    });
    expect(grpcView.steps.filter((s: any) => s.status === 'completed')).toHaveLength(
      BUILD_STEPS.length,
    );

    const counters = await builder.fidelity.counters();
    const calls = Object.fromEntries(
      Object.entries(counters.actions).map(([action, c]: [string, any]) => [
        action,
        c.ok + c.error + c.fault + c.throttled,
      ]),
    );
    console.log(`EC2 calls for one build, by action: ${JSON.stringify(calls)}`);
    expect(calls.RunInstances).toBe(2); // the build instance and the test instance
    expect(calls.CreateImage).toBe(1);

    // The same idempotency key again: nothing new. Without a key and unforced: skipped, nothing changed.
    await builder.publish(
      REBUILD_REQUESTED,
      { family, reason: 'again', requestedBy: 'feed:cve', idempotencyKey: 'cve-1234' },
      family,
    );
    await builder.publish(
      REBUILD_REQUESTED,
      { family, reason: 'nightly', requestedBy: 'cron' },
      family,
    );
    const skipped = await builder.waitForBuild(family, ['skipped'], 30_000);
    expect(skipped.failure_reason).toMatch(/nothing changed/);
    expect((await builder.builds(family)).map((b) => b.state)).toEqual(['succeeded', 'skipped']);
    const requests = await builder.db.query(
      'SELECT reason, outcome FROM builder.rebuild_requests WHERE family = $1 ORDER BY received_at',
      [family],
    );
    expect(requests.map((r: any) => r.outcome)).toEqual([
      'build-started',
      'duplicate',
      'build-started',
    ]);
  });

  it('rejects, before launching anything, a family without a recipe and a source that does not resolve', async () => {
    const noRecipe = uniqueName('norecipe');
    await builder.applySpec({ ...familySpec(noRecipe), build: undefined });
    const response = await builder.http('POST', '/v1/builds', { family: noRecipe, reason: 'try' });
    expect(response.body).toEqual({
      outcome: 'rejected',
      reason: `family ${noRecipe} has no build recipe in its spec`,
    });

    const missing = uniqueName('missing');
    await builder.applySpec(familySpec(missing, { source: { amiId: 'ami-0000000000deadbee' } }));
    await builder.fidelity.resetCounters();
    expect(
      (await builder.http('POST', '/v1/builds', { family: missing, reason: 'try' })).body.outcome,
    ).toBe('build-started');
    const rejected = await builder.waitForBuild(missing, ['rejected', 'failed'], 30_000);
    expect(rejected).toMatchObject({
      state: 'rejected',
      failure_reason: expect.stringContaining('ami-0000000000deadbee'),
    });
    expect((await builder.fidelity.counters()).actions.RunInstances).toBeUndefined();
  });
});
