import {
  CreateImageCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DataSource } from 'typeorm';
import { eventually, testEnv, uniqueName } from '@ami/testing';
import { CatalogHarness, startCatalog } from './catalog-harness.js';
import { baseSpec } from './fixtures.js';

describe('catalog import of AMIs built elsewhere (EC2 emulator through the fidelity proxy)', () => {
  let catalog: CatalogHarness;
  const ec2 = new EC2Client({
    region: 'us-east-1',
    endpoint: testEnv().awsEndpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  beforeAll(async () => {
    catalog = await startCatalog();
  });
  afterAll(async () => {
    await catalog?.close();
    ec2.destroy();
  });

  it('classifies an AWS-provided AMI and one of our own, and skips what it already has', async () => {
    // An AWS-provided image no earlier run adopted: an image belongs to one family at most.
    const rows = await catalog.app
      .get(DataSource)
      .query('SELECT image_id FROM catalog.regional_copies');
    const adopted = new Set<string>(rows.map((r: any) => r.image_id));
    const amazon = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!.find(
      (i) => !adopted.has(i.ImageId!),
    )!;
    const instance = (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: amazon.ImageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
        }),
      )
    ).Instances![0];
    const own = await ec2.send(
      new CreateImageCommand({ InstanceId: instance.InstanceId, Name: uniqueName('packer-built') }),
    );
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId!] }));

    const family = uniqueName('adopted');
    await catalog.http('POST', '/v1/specs', { body: baseSpec(family) });
    // Right after CreateImage, EC2 may not show the new image yet (the proxy hides it for a
    // while): the import names it in notFound, and a later import takes it.
    const body = {
      region: 'us-east-1',
      imageIds: [amazon.ImageId, own.ImageId, 'ami-0000000000000dead'],
    };
    const byImage: Record<string, any> = {};
    await eventually(
      async () => {
        const result = await catalog.http('POST', `/v1/families/${family}/imports`, { body });
        expect(result.status).toBe(201);
        expect(result.body.notFound).toContain('ami-0000000000000dead');
        for (const i of result.body.imported) byImage[i.imageId] = i;
        return own.ImageId! in byImage;
      },
      30_000,
      'the new image to be imported',
    );
    expect(byImage[amazon.ImageId!]).toMatchObject({ ownerType: 'amazon', rootDeviceType: 'ebs' });
    expect(byImage[own.ImageId!]).toMatchObject({ ownerType: 'self', rootDeviceType: 'ebs' });
    expect(byImage[own.ImageId!].version).toMatch(/^\d{4}\.\d{2}\.\d{2}-i\d+$/);

    const versions = await catalog.http('GET', `/v1/families/${family}/versions`, {
      role: 'reader',
    });
    expect(versions.body.items).toHaveLength(2);
    expect(
      versions.body.items.every(
        (v: any) => v.origin === 'import' && v.copies[0].region === 'us-east-1',
      ),
    ).toBe(true);

    const again = await catalog.http('POST', `/v1/families/${family}/imports`, {
      body: { region: 'us-east-1', imageIds: [own.ImageId] },
    });
    expect(again.body).toEqual({ imported: [], skipped: [own.ImageId], notFound: [] });
  });

  it('rejects an import without ids or filter, and a filter without owners', async () => {
    const family = uniqueName('adopt-bad');
    await catalog.http('POST', '/v1/specs', { body: baseSpec(family) });
    expect(
      (
        await catalog.http('POST', `/v1/families/${family}/imports`, {
          body: { region: 'us-east-1' },
        })
      ).status,
    ).toBe(400);
    const noOwners = await catalog.http('POST', `/v1/families/${family}/imports`, {
      body: {
        region: 'us-east-1',
        filter: { owners: [], filters: [{ name: 'name', values: ['x'] }] },
      },
    });
    expect(noOwners.body.errors.map((e: any) => e.path)).toContain('filter.owners');
    expect(
      (
        await catalog.http('POST', `/v1/families/${family}/imports`, {
          role: 'operator',
          body: { region: 'us-east-1', imageIds: ['ami-12345678'] },
        })
      ).status,
    ).toBe(403);
  });
});
