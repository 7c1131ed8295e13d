import { CopyImageCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
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
import { adminCalls, FAST_BUILDER_ENV } from './support/journey.js';

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * The scanner with the builder and the catalog, as processes: a family whose SSM source
 * parameter moves is rebuilt exactly once, by the real builder, from the new image.
 */
describe('a moved source rebuilds a family once (scanner, builder, catalog as processes)', () => {
  let fidelity: FidelityForTest;
  const services: ServiceProcess[] = [];
  const ssm = new SSMClient({ region, endpoint: testEnv().motoUrl, credentials });
  const ec2 = new EC2Client({ region, endpoint: testEnv().motoUrl, credentials });
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 1000, throttle: true });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await fidelity?.close();
    ssm.destroy();
    ec2.destroy();
  });

  it('asks one rebuild, the builder builds it from the new source, and a second scan asks nothing', async () => {
    const env = { AWS_ENDPOINT_URL: fidelity.url };
    const catalog = await startServiceProcess('catalog', env);
    const builder = await startServiceProcess('builder', { ...env, ...FAST_BUILDER_ENV });
    const scanner = await startServiceProcess('maintenance-scanner', {
      ...env,
      SCAN_WORKER_INTERVAL_MS: '200',
    });
    services.push(catalog, builder, scanner);
    await Promise.all(services.map((s) => waitReady(s)));
    const call = await adminCalls();

    const family = uniqueName('e2e-scan');
    const parameter = `/e2e/${family}/source`;
    const first = (await ssm.send(new GetParameterCommand({ Name: AL2023 }))).Parameter!.Value!;
    await ssm.send(new PutParameterCommand({ Name: parameter, Value: first, Type: 'String' }));
    const applied = await call(catalog.url, 'POST', '/v1/specs', {
      name: family,
      owner: 'e2e',
      source: { ssmParameter: parameter },
      build: { region },
    });
    expect(applied.status).toBe(201);
    expect(
      (await call(catalog.url, 'POST', `/v1/families/${family}/rebuilds`, { reason: 'first' }))
        .status,
    ).toBe(202);
    const builds = async () =>
      ((await call(builder.url, 'GET', `/v1/builds?family=${family}`)).body.items ?? []) as any[];
    const settled = async (n: number) => {
      let seen: any[] = [];
      await eventually(
        async () => {
          seen = await builds();
          return seen.length === n && seen.every((b) => b.state === 'succeeded');
        },
        120_000,
        () =>
          `${n} succeeded builds (now: ${JSON.stringify(seen.map((b) => [b.state, b.step, b.failureReason]))})`,
      );
      return seen;
    };
    await settled(1);
    const findings = async () =>
      (await call(scanner.url, 'GET', `/v1/maintenance/findings/${family}`)).body.findings;
    await eventually(
      async () => (await findings())?.lastBuild != null,
      30_000,
      'the first version seen by the scanner',
    );

    // The source moves to another image.
    const images = await ec2.send(new DescribeImagesCommand({ ImageIds: [first] }));
    const copied = await ec2.send(
      new CopyImageCommand({
        SourceImageId: first,
        SourceRegion: region,
        Name: `${family}-newer-base`,
        Description: images.Images?.[0]?.Description,
      }),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: parameter,
        Value: copied.ImageId!,
        Type: 'String',
        Overwrite: true,
      }),
    );
    expect((await call(scanner.url, 'POST', '/v1/maintenance/scans', { family })).status).toBe(202);
    const both = await settled(2);
    const rebuilt = both.find((b) => b.requestedBy === 'maintenance-scanner');
    expect(rebuilt?.reason).toContain(`source-moved: source now resolves to ${copied.ImageId}`);
    // The builder's success reaches the catalog through Kafka: wait for the second version there.
    let version: any;
    await eventually(
      async () => {
        const items = (await call(catalog.url, 'GET', `/v1/families/${family}/versions`)).body
          .items;
        version = items?.[0];
        return items?.length === 2;
      },
      30_000,
      'the rebuilt version in the catalog',
    );
    expect(version.source.imageId).toBe(copied.ImageId);

    await eventually(
      async () => (await findings())?.lastBuild?.sourceImageId === copied.ImageId,
      30_000,
      'the rebuilt version seen by the scanner',
    );
    expect((await call(scanner.url, 'POST', '/v1/maintenance/scans', { family })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await builds()).toHaveLength(2);
    const asks = await call(scanner.url, 'GET', `/v1/maintenance/rebuilds/${family}`);
    expect(asks.body.items).toEqual([
      expect.objectContaining({ cause: 'source-moved', state: 'succeeded' }),
    ]);
  });
});
