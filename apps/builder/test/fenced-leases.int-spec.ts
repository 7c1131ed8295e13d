import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Client } from 'pg';
import { mintToken } from '@ami/auth';
import { createEnvelope, digestOf, EventCatalog, validateFamilySpec } from '@ami/contracts';
import {
  eventually,
  FidelityForTest,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  testEnv,
  testKafka,
  uniqueName,
  waitReady,
  sourceFor,
} from '@ami/testing';
import { FAST_BUILDER_ENV, familySpec, TEST_VISIBILITY_MS } from './builder-harness.js';

/**
 * Two builder processes (the built service), each behind its own fidelity proxy in front of
 * the same moto, share builds through PostgreSQL with a lease (1.5 s) far shorter than the
 * slow StopInstances call (6 s of injected latency) the holder makes.
 */
describe('two builders, a lease shorter than a step (fenced leases)', () => {
  const db = new Client({
    host: testEnv().db.host,
    port: testEnv().db.port,
    database: testEnv().db.database,
    user: 'builder',
    password: process.env.BUILDER_DB_PASSWORD ?? 'builder-local-dev',
  });
  const builders: Array<{ process: ServiceProcess; fidelity: FidelityForTest }> = [];
  let ec2: EC2Client;

  beforeAll(async () => {
    await db.connect();
    for (let i = 0; i < 2; i++) {
      const fidelity = await startFidelityForTest({
        pendingMs: 500,
        visibilityMs: TEST_VISIBILITY_MS,
      });
      const process = await startServiceProcess('builder', {
        ...FAST_BUILDER_ENV,
        BUILD_LEASE_MS: '1500',
        BUILD_STEP_MAX_ATTEMPTS: '1',
        EC2_RETRY_MAX_ATTEMPTS: '1',
        JANITOR_ENABLED: 'false',
        AWS_ENDPOINT_URL: fidelity.url,
        // each its own consumer group: with KAFKA_NEW_GROUP_FROM_END a second member of a new
        // group fails to boot (it cannot move the offsets of a group that has a member)
      });
      builders.push({ process, fidelity });
    }
    await Promise.all(builders.map((b) => waitReady(b.process)));
    ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: builders[0]!.fidelity.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  }, 120_000);
  afterAll(async () => {
    for (const b of builders) {
      b.process.child.kill('SIGCONT');
      await b.process.stop();
      await b.fidelity.close();
    }
    ec2?.destroy();
    await db.end();
  });

  const build = async (family: string) =>
    (await db.query('SELECT * FROM builder.builds WHERE family = $1', [family])).rows[0];

  /** `slowStops`: how many StopInstances calls each proxy holds for 6 s (every one if unset). */
  async function startBuild(family: string, slowStops?: number) {
    const spec = validateFamilySpec(
      familySpec(family, { build: { region: 'us-east-1', testLaunch: { enabled: false } } }),
    );
    if (!spec.ok) throw new Error('bad spec');
    const producer = testKafka('fence-test').producer();
    await producer.connect();
    const event = createEnvelope(
      'ami.family-spec.applied',
      { family, specVersion: 1, digest: digestOf(spec.spec), spec: spec.spec, appliedBy: 'test' },
      { source: sourceFor('ami.family-spec.applied') },
    );
    await producer.send({
      topic: EventCatalog['ami.family-spec.applied'].topic,
      messages: [{ key: family, value: JSON.stringify(event) }],
    });
    await producer.disconnect();
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM builder.family_recipes WHERE family = $1', [family]))
          .rowCount === 1,
      30_000,
      'the recipe',
    );
    for (const b of builders)
      await b.fidelity.addFault({
        action: 'StopInstances',
        kind: 'latency',
        latencyMs: 6000,
        ...(slowStops ? { count: slowStops } : {}),
      });
    await Promise.all(builders.map((b) => b.fidelity.resetCounters()));
    const token = await mintToken({
      subject: 'tester',
      roles: ['operator'],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
    const res = await fetch(`${builders[0]!.process.url}/v1/builds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ family, reason: 'fencing test' }),
    });
    expect(res.status).toBe(202);
  }

  const stopCalls = async () =>
    Promise.all(
      builders.map(async (b) => (await b.fidelity.counters()).actions.StopInstances?.upstream ?? 0),
    );

  afterEach(async () => {
    for (const b of builders) await b.fidelity.clearFaults();
  });

  it(
    'renews the lease while a step waits on AWS, so the other builder never takes it over',
    { timeout: 120_000 },
    async () => {
      const family = uniqueName('fence-renew');
      await startBuild(family, 1);
      const done = await eventually(
        async () => ['succeeded', 'failed'].includes((await build(family))?.state),
        90_000,
        'the build to finish',
      ).then(() => build(family));
      expect({ state: done.state, reason: done.failure_reason }).toEqual({
        state: 'succeeded',
        reason: null,
      });
      // One StopInstances in all: the holder's slow call outlived its lease many times over.
      expect((await stopCalls()).reduce((a, b) => a + b, 0)).toBe(1);
    },
  );

  it(
    'drops the write of a builder that paused past its lease: no step backwards, no cleanup, no event',
    { timeout: 150_000 },
    async () => {
      const family = uniqueName('fence-stale');
      await startBuild(family);
      // Freeze the holder inside its slow StopInstances call: its proxy holds the request (its
      // latency rule, which stays for every call, has fired), and the answer will wait for it
      // in the socket.
      const inside = async () => {
        for (const b of builders)
          if ((await b.fidelity.faults()).some((r) => r.kind === 'latency' && r.hits > 0)) return b;
        return undefined;
      };
      await eventually(
        async () => (await inside()) !== undefined,
        60_000,
        'a builder to be inside its slow StopInstances call',
      );
      const stale = (await inside())!;
      const holder = await build(family);
      stale.process.child.kill('SIGSTOP');
      expect(holder.step).toBe('stop-instance');
      expect(Number(String(holder.lease_owner).split(':')[1])).toBe(stale.process.child.pid);
      // When it wakes, its StopInstances will have reached moto and then failed: the old code
      // would clean up (deregistering the image the other builder made) and fail the build.
      await stale.fidelity.addFault({
        action: 'StopInstances',
        kind: 'internal-error',
        when: 'after',
      });

      await eventually(
        async () => (await build(family))?.state === 'succeeded',
        90_000,
        'the other builder to take over and finish the build',
      );
      const finished = await build(family);
      expect(Number(finished.lease_epoch)).toBeGreaterThan(Number(holder.lease_epoch));

      stale.process.child.kill('SIGCONT');
      await eventually(
        async () => ((await stale.fidelity.counters()).actions.StopInstances?.fault ?? 0) >= 1,
        30_000,
        'the stale builder to get the answer to its slow call',
      );
      await new Promise((r) => setTimeout(r, 3000));

      const after = await build(family);
      expect({ state: after.state, step: after.step, reason: after.failure_reason }).toEqual({
        state: 'succeeded',
        step: 'publish',
        reason: null,
      });
      const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [after.image_id] })))
        .Images?.[0];
      expect(image?.State).toBe('available');
      const failedEvents = await db.query(
        `SELECT 1 FROM builder.outbox WHERE message_key = $1 AND (event_type = 'ami.build.failed' OR envelope LIKE '%build.failed%')`,
        [family],
      );
      expect(failedEvents.rowCount).toBe(0);
      expect(stale.process.output()).toMatch(/lost the lease/);
    },
  );
});
