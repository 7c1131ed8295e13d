import { randomUUID } from 'node:crypto';
import {
  CreateImageCommand,
  DescribeSnapshotsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { eventually, uniqueName } from '@ami/testing';
import { BuilderHarness, familySpec, startBuilder } from './builder-harness.js';

const GRACE_S = 4;

/**
 * Leftovers made on purpose: an instance and an AMI (with its snapshot) tagged with a build
 * that succeeded but did not publish them, and the same for a build id the builder has never
 * heard of. The janitor's dry run lists them (the unknown build's only once past the grace
 * period) and touches nothing; a real sweep removes them, audited, and keeps what the
 * succeeded build published.
 */
describe('janitor: finds and removes what builds left behind', () => {
  let builder: BuilderHarness;
  beforeAll(async () => {
    builder = await startBuilder({
      pendingMs: 300,
      env: { JANITOR_ENABLED: 'false', JANITOR_GRACE_S: String(GRACE_S) },
    });
  });
  afterAll(async () => {
    await builder?.close();
  });

  async function leaveBehind(buildId: string, family: string, sourceImageId: string) {
    const tags = [
      { Key: 'ami-factory:build-id', Value: buildId },
      { Key: 'ami-factory:family', Value: family },
    ];
    const run = await builder.ec2.send(
      new RunInstancesCommand({
        ImageId: sourceImageId,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.micro',
        TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
      }),
    );
    const instanceId = run.Instances![0]!.InstanceId!;
    const image = await builder.ec2.send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: `leftover-${randomUUID()}`,
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
      }),
    );
    return { instanceId, imageId: image.ImageId! };
  }
  const sweep = async (dryRun: boolean) => {
    const res = await builder.http('POST', '/v1/janitor/sweeps', { dryRun });
    expect(res.status).toBe(200);
    return res.body as {
      findings: Array<{
        kind: string;
        id: string;
        buildId: string;
        reason: string;
        result?: string;
      }>;
    };
  };
  const ofBuild = (report: Awaited<ReturnType<typeof sweep>>, buildId: string) =>
    report.findings
      .filter((f) => f.buildId === buildId)
      .map((f) => `${f.kind}:${f.id}`)
      .sort();
  const snapshotsTagged = async (buildId: string) =>
    (
      await builder.ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: 'tag:ami-factory:build-id', Values: [buildId] }],
        }),
      )
    ).Snapshots?.map((s) => s.SnapshotId!) ?? [];

  it(
    'lists in a dry run, then removes and audits, what terminal or unknown builds did not publish',
    { timeout: 150_000 },
    async () => {
      const family = uniqueName('janitor');
      await builder.applySpec(
        familySpec(family, { build: { region: 'us-east-1', testLaunch: { enabled: false } } }),
      );
      await builder.http('POST', '/v1/builds', { family, reason: 'a build that publishes' });
      const published = await builder.waitForBuild(family, ['succeeded', 'failed'], 90_000);
      expect(published.state).toBe('succeeded');

      const strayOfSucceeded = await leaveBehind(published.id, family, published.image_id);
      const unknownBuild = randomUUID();
      const strayOfUnknown = await leaveBehind(unknownBuild, family, published.image_id);
      await new Promise((r) => setTimeout(r, 1500)); // past the proxy's visibility delay
      const expected = async (buildId: string, stray: { instanceId: string; imageId: string }) =>
        [
          `instance:${stray.instanceId}`,
          `image:${stray.imageId}`,
          ...(await snapshotsTagged(buildId))
            .filter((s) => !published.snapshot_ids.includes(s))
            .map((s) => `snapshot:${s}`),
        ].sort();
      const strayOfSucceededIds = await expected(published.id, strayOfSucceeded);
      expect(strayOfSucceededIds.filter((x) => x.startsWith('snapshot:')).length).toBeGreaterThan(
        0,
      );

      const early = await sweep(true);
      expect(ofBuild(early, published.id)).toEqual(strayOfSucceededIds);
      expect(ofBuild(early, unknownBuild)).toEqual([]); // too young to judge
      expect(early.findings.every((f) => f.result === undefined)).toBe(true);

      await new Promise((r) => setTimeout(r, GRACE_S * 1000 + 500));
      const listed = await sweep(true);
      const strayOfUnknownIds = await expected(unknownBuild, strayOfUnknown);
      expect(ofBuild(listed, unknownBuild)).toEqual(strayOfUnknownIds);
      expect(ofBuild(listed, published.id)).toEqual(strayOfSucceededIds);
      expect(await builder.image(strayOfSucceeded.imageId)).toBeDefined(); // a dry run touches nothing

      const swept = await sweep(false);
      const mine = swept.findings.filter((f) => [published.id, unknownBuild].includes(f.buildId));
      expect(mine.map((f) => f.result)).toEqual(mine.map(() => 'removed'));
      expect(await builder.image(strayOfSucceeded.imageId)).toBeUndefined();
      expect(await builder.image(strayOfUnknown.imageId)).toBeUndefined();
      expect(await builder.liveInstances(published.id)).toEqual([]);
      expect(await builder.liveInstances(unknownBuild)).toEqual([]);
      expect((await snapshotsTagged(unknownBuild)).length).toBe(0);
      // What the build published stays.
      expect((await builder.image(published.image_id))?.State).toBe('available');
      expect((await snapshotsTagged(published.id)).sort()).toEqual(
        [...published.snapshot_ids].sort(),
      );

      await eventually(
        async () =>
          (
            await builder.db.query(
              `SELECT 1 FROM builder.outbox WHERE message_key = $1 AND envelope LIKE '%janitor.image.removed%'`,
              [family],
            )
          ).length === 2,
        10_000,
        'an audit event for each removed image',
      );
      const again = await sweep(true);
      expect(
        again.findings.filter((f) => [published.id, unknownBuild].includes(f.buildId)),
      ).toEqual([]);
    },
  );

  it('sweeps the regions EC2 answers for and names the ones it does not', async () => {
    // A region name that passes the spec's pattern but that EC2 has never heard of.
    const family = uniqueName('janitor-nowhere');
    await builder.applySpec(familySpec(family, { build: { region: 'aa-a-0' } }));
    await eventually(
      async () =>
        (await builder.db.query('SELECT 1 FROM builder.family_recipes WHERE family = $1', [family]))
          .length === 1,
      10_000,
      'the recipe in aa-a-0 projected',
    );
    const report = (await sweep(true).finally(() =>
      builder.db.query('DELETE FROM builder.family_recipes WHERE family = $1', [family]),
    )) as unknown as {
      regions: string[];
      unreachable: Array<{ region: string; reason: string }>;
    };
    expect(report.unreachable.map((u) => u.region)).toEqual(['aa-a-0']);
    expect(report.unreachable[0]!.reason).toMatch(/aa-a-0/);
    expect(report.regions).toContain('us-east-1');
    expect(report.regions).not.toContain('aa-a-0');
  });
});
