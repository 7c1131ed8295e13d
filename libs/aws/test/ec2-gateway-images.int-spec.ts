// The gateway's image reads and writes against the fidelity proxy in front of real moto:
// pagination economy, idempotent copies, the deprecation overlay, SSM public parameters and
// how failures come back.
import {
  CopyImageCommand,
  DescribeImagesCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { startFidelityForTest, testEnv, type FidelityForTest } from '@ami/testing';
import { Ec2Error, MAX_PAGE_SIZE, type Ec2Gateway } from '@ami/aws';
import { gatewayFor, uniqueAccount } from './gateway-harness.js';

const region = 'us-east-1';
const account = uniqueAccount('5');
let fidelity: FidelityForTest;
let harness: ReturnType<typeof gatewayFor>;
let gateway: Ec2Gateway;

beforeAll(async () => {
  fidelity = await startFidelityForTest();
  harness = gatewayFor(fidelity, account);
  gateway = harness.gateway;
});

afterAll(async () => {
  gateway?.destroy();
  await fidelity?.close();
});

beforeEach(async () => {
  await fidelity.resetCounters();
});

/** Amazon's AMIs as moto holds them, read from moto directly (no paging there). */
async function amazonImagesInMoto(): Promise<number> {
  const moto = new EC2Client({ endpoint: testEnv().motoUrl, region, maxAttempts: 1 });
  try {
    const { Images = [] } = await moto.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    return Images.length;
  } finally {
    moto.destroy();
  }
}

async function someAmazonImageIds(count: number): Promise<string[]> {
  const { Images = [] } = await gateway.send(
    region,
    new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: count }),
  );
  return Images.map((image) => image.ImageId!);
}

describe('Ec2Gateway against the fidelity proxy and moto', () => {
  it('reads more than 1000 images in ceil(n / 1000) DescribeImages calls', async () => {
    const expected = await amazonImagesInMoto();
    expect(expected).toBeGreaterThan(MAX_PAGE_SIZE);
    const images = await gateway.describeAllImages(region, { Owners: ['amazon'] });
    expect(images).toHaveLength(expected);
    expect(new Set(images.map((image) => image.ImageId)).size).toBe(expected);
    const counts = (await fidelity.counters()).actions.DescribeImages!;
    expect(counts.ok).toBe(Math.ceil(expected / MAX_PAGE_SIZE));
  });

  it('fetches images by id in one call, leaving out ids that do not exist', async () => {
    const ids = await someAmazonImageIds(5);
    await fidelity.resetCounters();
    const images = await gateway.describeImagesByIds(region, [...ids, 'ami-0000000000deadbee']);
    expect(images.map((image) => image.ImageId).sort()).toEqual([...ids].sort());
    expect((await fidelity.counters()).actions.DescribeImages!.ok).toBe(1);
  });

  it('returns the same image when a CopyImage is repeated with the same ClientToken', async () => {
    const [source] = await someAmazonImageIds(1);
    const copy = () =>
      gateway.send(
        region,
        new CopyImageCommand({
          Name: `gateway-copy-${account}`,
          SourceImageId: source,
          SourceRegion: region,
          ClientToken: `copy-${account}`,
        }),
      );
    const first = await copy();
    const second = await copy();
    expect(first.ImageId).toMatch(/^ami-/);
    expect(second.ImageId).toBe(first.ImageId);
    const owned = await gateway.describeAllImages(region, { Owners: ['self'] });
    expect(owned.map((image) => image.ImageId)).toEqual([first.ImageId]);
    expect(owned[0]!.OwnerId).toBe(account);
  });

  it('shows a deprecation set through the gateway in DescribeImages', async () => {
    const [source] = await someAmazonImageIds(1);
    const { ImageId } = await gateway.send(
      region,
      new CopyImageCommand({
        Name: `gateway-deprecated-${account}`,
        SourceImageId: source,
        SourceRegion: region,
      }),
    );
    const deprecateAt = new Date(Date.now() + 24 * 3600_000);
    await gateway.send(
      region,
      new EnableImageDeprecationCommand({ ImageId, DeprecateAt: deprecateAt }),
    );
    const [image] = await gateway.describeImagesByIds(region, [ImageId!]);
    expect(image?.DeprecationTime).toBeDefined();
    // EC2 rounds the time to the minute
    expect(
      Math.abs(Date.parse(image!.DeprecationTime!) - deprecateAt.getTime()),
    ).toBeLessThanOrEqual(60_000);
  });

  it('lists instances flattened from their reservations, paged like images', async () => {
    const [imageId] = await someAmazonImageIds(1);
    const runs = [2, 1].map((count) =>
      gateway.send(
        region,
        new RunInstancesCommand({ ImageId: imageId, MinCount: count, MaxCount: count }),
      ),
    );
    const launched = (await Promise.all(runs)).flatMap((r) =>
      r.Instances!.map((i) => i.InstanceId),
    );
    await fidelity.resetCounters();
    const instances = await gateway.describeAllInstances(region);
    expect(instances.map((i) => i.InstanceId).sort()).toEqual(launched.sort());
    expect((await fidelity.counters()).actions.DescribeInstances!.ok).toBe(1);
  });

  it('reads a public SSM parameter through the same paced path', async () => {
    const value = await gateway.getParameter(
      region,
      '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    );
    expect(value).toMatch(/^ami-/);
    expect(await harness.attempts('ssm:GetParameter', 'ok')).toBeGreaterThanOrEqual(1);
  });

  it('fails at once, classified, on what retrying cannot fix', async () => {
    const missingParameter = await gateway
      .getParameter(region, '/ami-factory/no-such-parameter')
      .catch((e: unknown) => e);
    expect(missingParameter).toBeInstanceOf(Ec2Error);
    expect(missingParameter).toMatchObject({
      kind: 'not-found',
      code: 'ParameterNotFound',
      retryable: false,
      attempts: 1,
      action: 'ssm:GetParameter',
    });

    const missingImage = await gateway
      .send(
        region,
        new EnableImageDeprecationCommand({
          ImageId: 'ami-0000000000deadbee',
          DeprecateAt: new Date(Date.now() + 3600_000),
        }),
      )
      .catch((e: unknown) => e);
    expect(missingImage).toMatchObject({
      kind: 'not-found',
      code: 'InvalidAMIID.NotFound',
      attempts: 1,
    });
  });
});
