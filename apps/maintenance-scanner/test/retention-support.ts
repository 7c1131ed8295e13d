import {
  CreateLaunchTemplateCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import type { Client } from 'pg';
import { COPY_SUCCEEDED, type FamilySpecInput } from '@ami/contracts';
import { MOTO_ACCOUNT_HEADER } from '@ami/aws';
import { eventually, testEnv } from '@ami/testing';
import type { Facts, ScannerHarness } from './scanner-harness.js';

export const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const DAY = 86_400_000;

export const retentionSpec = (
  name: string,
  maintenance: NonNullable<FamilySpecInput['maintenance']>,
): FamilySpecInput => ({
  name,
  owner: 'platform-team',
  source: { ssmParameter: `/test/${name}/source` },
  build: { region: 'us-east-1' },
  distribution: { regions: [...REGIONS] },
  maintenance: { schedule: { cron: '0 3 1 1 *' }, ...maintenance },
});

/** EC2 clients (through the test's fidelity proxy) per region. */
export function ec2Clients(scanner: Pick<ScannerHarness, 'fidelity'>): Record<string, EC2Client> {
  return Object.fromEntries(
    REGIONS.map((region) => [
      region,
      new EC2Client({ region, endpoint: scanner.fidelity.url, credentials }),
    ]),
  );
}

export interface TestVersion {
  version: string;
  /** By region. */
  images: Record<string, string>;
  snapshots: Record<string, string>;
}

/**
 * A version as the builder and replicator leave it: an image with one snapshot in each region,
 * both tagged with the family, and the facts (build succeeded in us-east-1 `daysAgo` days ago,
 * then the copy to eu-west-1) on the bus.
 */
export async function makeVersion(
  ec2: Record<string, EC2Client>,
  publish: Facts,
  family: string,
  version: string,
  daysAgo: number,
): Promise<TestVersion> {
  const images: Record<string, string> = {};
  const snapshots: Record<string, string> = {};
  for (const region of REGIONS) {
    const { ImageId } = await ec2[region]!.send(
      new RegisterImageCommand({
        Name: `ami-factory/${family}/${version}`,
        RootDeviceName: '/dev/xvda',
        Architecture: 'x86_64',
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }],
      }),
    );
    const image = await describeImage(ec2[region]!, ImageId!);
    const snapshot = image!.BlockDeviceMappings!.find((m) => m.Ebs?.SnapshotId)!.Ebs!.SnapshotId!;
    await ec2[region]!.send(
      new CreateTagsCommand({
        Resources: [ImageId!, snapshot],
        Tags: [
          { Key: 'ami-factory:family', Value: family },
          { Key: 'ami-factory:version', Value: version },
        ],
      }),
    );
    images[region] = ImageId!;
    snapshots[region] = snapshot;
  }
  await publish.built(family, version, {
    sourceImageId: 'ami-0123456789abcdef0',
    imageId: images['us-east-1'],
    daysAgo,
  });
  await publish.publish(
    COPY_SUCCEEDED,
    {
      family,
      version,
      region: 'eu-west-1',
      imageId: images['eu-west-1']!,
      snapshotIds: [snapshots['eu-west-1']!],
      sourceRegion: 'us-east-1',
      sourceImageId: images['us-east-1'],
    },
    family,
  );
  return { version, images, snapshots };
}

export async function describeImage(ec2: EC2Client, imageId: string): Promise<Image | undefined> {
  const out = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      IncludeDisabled: true,
      IncludeDeprecated: true,
      Filters: [{ Name: 'image-id', Values: [imageId] }],
    }),
  );
  return out.Images?.[0];
}

export async function snapshotExists(ec2: EC2Client, snapshotId: string): Promise<boolean> {
  try {
    const out = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
    return (out.Snapshots ?? []).length > 0;
  } catch (error) {
    if ((error as { name?: string }).name?.includes('NotFound')) return false;
    throw error;
  }
}

/** An EC2 client straight to moto, acting in another account (an owned copy's). */
export function clientInAccount(region: string, account: string): EC2Client {
  const ec2 = new EC2Client({ region, endpoint: testEnv().motoUrl, credentials });
  ec2.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers[MOTO_ACCOUNT_HEADER] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccountHeader' },
  );
  return ec2;
}

/** An image with its own snapshot, both tagged with the family (in whatever account `ec2` acts). */
export async function taggedImage(ec2: EC2Client, family: string, version: string) {
  const { ImageId } = await ec2.send(
    new RegisterImageCommand({
      Name: `ami-factory/${family}/${version}`,
      RootDeviceName: '/dev/xvda',
      Architecture: 'x86_64',
    }),
  );
  const image = await describeImage(ec2, ImageId!);
  const snapshotId = image!.BlockDeviceMappings!.find((m) => m.Ebs?.SnapshotId)!.Ebs!.SnapshotId!;
  await ec2.send(
    new CreateTagsCommand({
      Resources: [ImageId!, snapshotId],
      Tags: [{ Key: 'ami-factory:family', Value: family }],
    }),
  );
  return { imageId: ImageId!, snapshotId };
}

/** A running instance launched from the image. */
export async function launch(ec2: EC2Client, imageId: string): Promise<string> {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.micro',
    }),
  );
  return out.Instances![0]!.InstanceId!;
}

/** A launch template made by hand (not by the platform) that launches the image. */
export async function launchTemplate(
  ec2: EC2Client,
  name: string,
  imageId: string,
): Promise<string> {
  const out = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' },
    }),
  );
  return out.LaunchTemplate!.LaunchTemplateId!;
}

/** A snapshot tagged with the family that no image uses. */
export async function orphanSnapshot(ec2: EC2Client, family: string): Promise<string> {
  const volume = await ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 5 }),
  );
  const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));
  await ec2.send(
    new CreateTagsCommand({
      Resources: [snapshot.SnapshotId!],
      Tags: [{ Key: 'ami-factory:family', Value: family }],
    }),
  );
  return snapshot.SnapshotId!;
}

/** Waits until the scanner knows `count` versions of the family with both regions' copies. */
export async function versionsLearnt(db: Client, family: string, count: number) {
  await eventually(
    async () =>
      Number(
        (
          await db.query(
            'SELECT count(*) AS n FROM maintenance_scanner.version_images WHERE family = $1',
            [family],
          )
        ).rows[0].n,
      ) ===
      count * REGIONS.length,
    20_000,
    `${count} versions of ${family} in both regions`,
  );
}

export const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
