import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { uniqueName } from '@ami/testing';
import { BuilderHarness, familySpec, startBuilder } from './builder-harness.js';

const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const PASSWORD = 'hunter2-correct-horse';

/**
 * Builds against the fidelity layer behaving like EC2 and SSM where moto does not: new
 * instances, images and command invocations invisible for a while, answers lost after the
 * call took effect, command invocations that fail with output.
 */
describe('builder hardening (eventual consistency, idempotent commands, IMDSv2, test steps, masked output)', () => {
  let builder: BuilderHarness;
  let ssm: SSMClient;
  beforeAll(async () => {
    builder = await startBuilder({ pendingMs: 500, visibilityMs: 2500 });
    ssm = new SSMClient({
      region: 'us-east-1',
      endpoint: builder.fidelity.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });
  afterAll(async () => {
    ssm?.destroy();
    await builder?.close();
  });
  afterEach(async () => {
    await builder.fidelity.clearFaults();
    await fetch(`${builder.fidelity.url}/_fidelity/command-outcomes`, { method: 'DELETE' });
  });

  const outcome = (rule: Record<string, unknown>) =>
    fetch(`${builder.fidelity.url}/_fidelity/command-outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rule),
    });
  const buildOf = async (family: string, spec: Parameters<typeof familySpec>[1]) => {
    // Every build here customises (one SSM command), unless its spec says otherwise.
    const customise = { steps: [{ name: 'patch', run: 'dnf -y upgrade --security' }] };
    await builder.applySpec(
      familySpec(family, { ...spec, build: { customisation: customise, ...spec!.build! } }),
    );
    expect((await builder.http('POST', '/v1/builds', { family, reason: 'test' })).status).toBe(202);
    return builder.waitForBuild(family, ['succeeded', 'failed', 'rejected'], 90_000);
  };
  const commandsOn = async (instanceId: string) =>
    (await ssm.send(new ListCommandsCommand({ InstanceId: instanceId }))).Commands ?? [];
  const snapshotsOf = async (buildId: string) =>
    (
      await builder.ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: 'tag:ami-factory:build-id', Values: [buildId] }],
        }),
      )
    ).Snapshots ?? [];

  it('builds while new instances, images and command invocations are not visible yet, and sets ImdsSupport=v2.0 on the image', async () => {
    const family = uniqueName('consistency');
    await builder.fidelity.resetCounters();
    const build = await buildOf(family, {
      build: {
        region: 'us-east-1',
        testSteps: [{ name: 'sshd-running', run: 'systemctl is-active sshd' }],
      },
    });
    expect({ state: build.state, reason: build.failure_reason }).toEqual({
      state: 'succeeded',
      reason: null,
    });
    const counters = await builder.fidelity.counters();
    // The builder did meet "not found" for its new instance and invocation, and waited.
    expect(counters.actions.DescribeInstances?.error ?? 0).toBeGreaterThan(0);
    expect(counters.actions['ssm:GetCommandInvocation']?.error ?? 0).toBeGreaterThan(0);
    expect((await builder.image(build.image_id))?.ImdsSupport).toBe('v2.0');
  });

  it('adopts the image when CreateImage took effect but its answer was lost and the by-name lookup lags', async () => {
    const family = uniqueName('lost-create');
    await builder.fidelity.addFault({
      action: 'CreateImage',
      kind: 'drop',
      when: 'after',
      count: 1,
    });
    const build = await buildOf(family, {
      build: { region: 'us-east-1', testLaunch: { enabled: false } },
    });
    expect({ state: build.state, reason: build.failure_reason }).toEqual({
      state: 'succeeded',
      reason: null,
    });
    const images = await builder.ec2.send(
      new (await import('@aws-sdk/client-ec2')).DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: [`ami-factory/${family}/*`] }],
      }),
    );
    expect(images.Images?.map((i) => i.ImageId)).toEqual([build.image_id]);
    expect((await snapshotsOf(build.id)).map((s) => s.SnapshotId).sort()).toEqual(
      [...build.snapshot_ids].sort(),
    );
  });

  it('runs the customisation once when the SendCommand answer is lost after the command started', async () => {
    const family = uniqueName('lost-send');
    await builder.fidelity.addFault({
      action: 'SendCommand',
      service: 'ssm',
      kind: 'drop',
      when: 'after',
      count: 1,
    });
    await builder.fidelity.resetCounters();
    const build = await buildOf(family, {
      build: { region: 'us-east-1', testLaunch: { enabled: false } },
    });
    expect({ state: build.state, reason: build.failure_reason }).toEqual({
      state: 'succeeded',
      reason: null,
    });
    expect((await builder.fidelity.counters()).actions['ssm:SendCommand']?.upstream).toBe(1);
    const commands = await commandsOn(build.instance_id);
    expect(commands.map((c) => c.Comment)).toEqual([`ami-factory build ${build.id} customise`]);
    expect(build.command_id).toBe(commands[0]!.CommandId);
  });

  it('passes status checks and runs the test steps; a failing step fails the build, names itself, masks secrets and removes the image', async () => {
    const family = uniqueName('test-steps');
    await outcome({
      match: 'curl -fsS http://localhost:8080/health',
      status: 'Failed',
      responseCode: 7,
      stdout: `booting app with AWS_ACCESS_KEY_ID=${AWS_KEY_ID} aws_secret_access_key=${AWS_SECRET}\n`,
      stderr: `curl: (7) Failed to connect to localhost port 8080; db password=${PASSWORD}; Authorization: Bearer abcdefghijklmnop.qrstuvwx`,
    });
    await builder.fidelity.resetCounters();
    const build = await buildOf(family, {
      build: {
        region: 'us-east-1',
        testSteps: [
          { name: 'sshd-running', run: 'systemctl is-active sshd' },
          { name: 'health-endpoint', run: 'curl -fsS http://localhost:8080/health' },
          { name: 'never-reached', run: 'true' },
        ],
      },
    });
    expect(build).toMatchObject({ state: 'failed', failed_step: 'test-launch' });
    expect(build.failure_reason).toContain(
      'test step "health-endpoint" (2 of 3) ended Failed (exit 7)',
    );
    expect(build.failure_reason).toContain('curl: (7) Failed to connect');
    for (const secret of [AWS_KEY_ID, AWS_SECRET, PASSWORD, 'abcdefghijklmnop'])
      expect(build.failure_reason).not.toContain(secret);
    const counters = await builder.fidelity.counters();
    expect(counters.actions.DescribeInstanceStatus?.ok ?? 0).toBeGreaterThan(0);
    const testCommands = await commandsOn(build.test_instance_id);
    expect(testCommands.map((c) => c.Comment).sort()).toEqual([
      `ami-factory build ${build.id} test-step 1`,
      `ami-factory build ${build.id} test-step 2`,
    ]);
    // The image and its snapshots are gone, and nothing is left running.
    expect(await builder.image(build.image_id)).toBeUndefined();
    expect(await snapshotsOf(build.id)).toEqual([]);
    expect(await builder.liveInstances(build.id)).toEqual([]);
    // Nothing that leaves the builder (outbox -> Kafka: build events and audit) carries a secret.
    const outbox: Array<{ envelope: string }> = await builder.db.query(
      'SELECT envelope FROM builder.outbox WHERE message_key = $1',
      [family],
    );
    const failed = outbox.filter((r) => r.envelope.includes('health-endpoint'));
    expect(failed.length).toBeGreaterThanOrEqual(2); // ami.build.failed and its audit
    for (const row of outbox)
      for (const secret of [AWS_KEY_ID, AWS_SECRET, PASSWORD])
        expect(row.envelope).not.toContain(secret);
  });

  it("caps and masks a failing customisation's output", async () => {
    const family = uniqueName('noisy');
    await outcome({
      match: 'make install',
      status: 'Failed',
      responseCode: 2,
      stdout: 'x'.repeat(20_000),
      stderr: `token=${AWS_SECRET} make: *** [install] Error 2`,
    });
    const build = await buildOf(family, {
      build: {
        region: 'us-east-1',
        customisation: { steps: [{ name: 'install', run: 'make install' }] },
        testLaunch: { enabled: false },
      },
    });
    expect(build).toMatchObject({ state: 'failed', failed_step: 'customise' });
    expect(build.failure_reason).toContain('make: *** [install] Error 2');
    expect(build.failure_reason).not.toContain(AWS_SECRET);
    expect(build.failure_reason.length).toBeLessThanOrEqual(3000);
    expect(await builder.liveInstances(build.id)).toEqual([]);
  });
});
