import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  eventually,
  FidelityForTest,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { adminCalls, FAST_BUILDER_ENV } from './support/journey.js';

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/**
 * Retention across services, with the catalog, builder and scanner as processes: with
 * keepLatest 2, the real builder's third version makes the scanner deprecate and then retire the
 * first (its image and the snapshots the builder made), and the catalog shows that copy
 * deregistered while resolve keeps answering the newest.
 */
describe('retention retires what the builder built, and the catalog follows (catalog, builder, scanner as processes)', () => {
  let fidelity: FidelityForTest;
  let ec2: EC2Client;
  const services: ServiceProcess[] = [];
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 500, throttle: true });
    ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: fidelity.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    ec2?.destroy();
    await fidelity?.close();
  });

  it('retires the oldest of three built versions and the catalog shows it deregistered', async () => {
    const env = { AWS_ENDPOINT_URL: fidelity.url };
    const catalog = await startServiceProcess('catalog', env);
    const builder = await startServiceProcess('builder', { ...env, ...FAST_BUILDER_ENV });
    const scanner = await startServiceProcess('maintenance-scanner', {
      ...env,
      SCAN_WORKER_INTERVAL_MS: '200',
      RETENTION_WORKER_INTERVAL_MS: '200',
    });
    services.push(catalog, builder, scanner);
    await Promise.all(services.map((s) => waitReady(s)));
    const call = await adminCalls();
    const versionsOf = async (family: string) =>
      ((await call(catalog.url, 'GET', `/v1/families/${family}/versions`)).body.items ??
        []) as any[];
    const built = async (family: string, n: number) => {
      let seen: any[] = [];
      await eventually(
        async () => {
          seen = await versionsOf(family);
          return seen.length === n;
        },
        120_000,
        () => `${n} versions of ${family} in the catalog (now ${seen.length})`,
      );
      return seen;
    };
    const rebuild = async (family: string, force: boolean) =>
      expect(
        (
          await call(catalog.url, 'POST', `/v1/families/${family}/rebuilds`, {
            reason: 'e2e',
            force,
          })
        ).status,
      ).toBe(202);

    const family = uniqueName('e2e-keep2');
    expect(
      (
        await call(catalog.url, 'POST', '/v1/specs', {
          name: family,
          owner: 'e2e',
          source: { ssmParameter: AL2023 },
          build: { region: 'us-east-1' },
          // Retired 17 seconds after it leaves the newest two.
          maintenance: {
            keepLatest: 2,
            deprecateAfterDays: 0,
            retireAfterDays: 0.0002,
            schedule: { cron: '0 3 1 1 *' },
          },
        })
      ).status,
    ).toBe(201);
    await rebuild(family, false);
    await built(family, 1);
    await rebuild(family, true);
    await built(family, 2);
    await rebuild(family, true);
    const versions = await built(family, 3);
    const oldest = versions.at(-1)!;
    const image: string = oldest.copies[0].imageId;
    const snapshots: string[] = oldest.copies[0].snapshotIds;
    expect(snapshots.length).toBeGreaterThan(0);

    const describe = async () =>
      (
        await ec2.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            IncludeDeprecated: true,
            IncludeDisabled: true,
            Filters: [{ Name: 'image-id', Values: [image] }],
          }),
        )
      ).Images?.[0];
    await eventually(
      async () => (await describe())?.DeprecationTime !== undefined,
      60_000,
      'the oldest deprecated',
    );
    await eventually(
      async () => (await describe()) === undefined,
      90_000,
      'the oldest deregistered',
    );
    await eventually(
      async () => {
        const left = await ec2
          .send(
            new DescribeSnapshotsCommand({
              OwnerIds: ['self'],
              Filters: [{ Name: 'snapshot-id', Values: snapshots }],
            }),
          )
          .then((out) => out.Snapshots ?? []);
        return left.length === 0;
      },
      30_000,
      "the builder's snapshots deleted",
    );
    await eventually(
      async () =>
        (await versionsOf(family)).find((v) => v.version === oldest.version)?.copies[0]?.state ===
        'deregistered',
      30_000,
      'the catalog shows the oldest copy deregistered',
    );
    const newest = versions[0]!;
    const resolved = await call(
      catalog.url,
      'GET',
      `/v1/families/${family}/resolve?channel=latest&region=us-east-1`,
    );
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body.version).toBe(newest.version);
    const plan = await call(
      scanner.url,
      'GET',
      `/v1/maintenance/families/${family}/retention/plans/latest`,
    );
    expect(plan.body.kept.map((k: any) => k.version).sort()).toEqual(
      [versions[0]!.version, versions[1]!.version].sort(),
    );
  }, 300_000);
});
