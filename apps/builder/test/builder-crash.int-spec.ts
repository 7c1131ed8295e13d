import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Client } from 'pg';
import { digestOf, REBUILD_REQUESTED, validateFamilySpec } from '@ami/contracts';
import {
  eventually,
  FidelityForTest,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  testEnv,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { FAST_BUILDER_ENV, familySpec, TEST_VISIBILITY_MS } from './builder-harness.js';
import { createEnvelope, EventCatalog } from '@ami/contracts';
import { sourceFor, testKafka } from '@ami/testing';

/**
 * The builder (the built service, as its own process) is SIGKILLed right after CreateImage,
 * while the image is still pending, and started again: the build completes with exactly one
 * build instance launched, one AMI, and nothing left running.
 */
describe('builder killed after CreateImage and restarted', () => {
  let fidelity: FidelityForTest;
  let builder: ServiceProcess | undefined;
  const db = new Client({
    host: testEnv().db.host,
    port: testEnv().db.port,
    database: testEnv().db.database,
    user: 'builder',
    password: process.env.BUILDER_DB_PASSWORD ?? 'builder-local-dev',
  });
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 4000, visibilityMs: TEST_VISIBILITY_MS });
    await db.connect();
  });
  afterAll(async () => {
    await builder?.stop();
    await fidelity?.close();
    await db.end();
  });

  const start = async () => {
    const service = await startServiceProcess('builder', {
      ...FAST_BUILDER_ENV,
      AWS_ENDPOINT_URL: fidelity.url,
      KAFKA_GROUP_ID: groupId,
    });
    await waitReady(service);
    return service;
  };
  const groupId = uniqueName('builder-crash');

  it('finishes with one instance launched and one AMI', { timeout: 240_000 }, async () => {
    builder = await start();
    const family = uniqueName('crash');
    const spec = validateFamilySpec(familySpec(family));
    if (!spec.ok) throw new Error('bad spec');
    const producer = testKafka('crash-test').producer();
    await producer.connect();
    const send = async (type: keyof typeof EventCatalog, data: unknown) =>
      producer.send({
        topic: EventCatalog[type].topic,
        messages: [
          {
            key: family,
            value: JSON.stringify(createEnvelope(type, data, { source: sourceFor(type) })),
          },
        ],
      });
    await send('ami.family-spec.applied', {
      family,
      specVersion: 1,
      digest: digestOf(spec.spec),
      spec: spec.spec,
      appliedBy: 'test',
    });
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM builder.family_recipes WHERE family = $1', [family]))
          .rowCount === 1,
      30_000,
      'the recipe',
    );
    await fidelity.resetCounters();
    await send(REBUILD_REQUESTED, { family, reason: 'crash test', requestedBy: 'test' });
    await producer.disconnect();

    const build = async () =>
      (await db.query('SELECT * FROM builder.builds WHERE family = $1', [family])).rows[0];
    await eventually(
      async () => (await build())?.step === 'wait-image',
      60_000,
      'the build to reach wait-image (CreateImage done)',
    );
    builder.child.kill('SIGKILL');
    await new Promise((r) => builder!.child.once('exit', r));
    expect((await build()).state).toBe('running');

    builder = await start();
    await eventually(
      async () => ['succeeded', 'failed'].includes((await build())?.state),
      90_000,
      'the build to finish after the restart',
    );
    const done = await build();
    expect({ state: done.state, reason: done.failure_reason }).toEqual({
      state: 'succeeded',
      reason: null,
    });

    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: fidelity.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const images = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: [`ami-factory/${family}/*`] }],
      }),
    );
    ec2.destroy();
    expect(images.Images?.map((i) => i.ImageId)).toEqual([done.image_id]);
    const counters = await fidelity.counters();
    // One build instance and one test instance reached moto, however often the calls were made.
    expect(counters.actions.RunInstances.upstream).toBe(2);
    expect(counters.actions.CreateImage.upstream).toBe(1);
  });
});
