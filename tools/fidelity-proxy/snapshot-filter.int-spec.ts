// The proxy against a real moto_server (MOTO_URL): DescribeImages filtered on
// block-device-mapping.* (moto answers HTTP 500 for them), as the maintenance scanner asks
// before deleting a snapshot: which images of mine still use these snapshots?
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  EC2Client,
  RegisterImageCommand,
  paginateDescribeImages,
  type DescribeImagesCommandInput,
  type Filter,
} from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import { testEnv } from '@ami/testing';
import { startFidelityProxy, type FidelityProxy } from './main.js';

const motoUrl = testEnv().motoUrl;
const account = `7${String(Date.now()).slice(-11)}`;
let proxy: FidelityProxy;
let ec2: EC2Client;

function ec2Client(endpoint: string, accountId: string): EC2Client {
  const client = new EC2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] =
        accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

const unique = (label: string) => `fp-${label}-${randomUUID().slice(0, 8)}`;

interface Registered {
  imageId: string;
  snapshotId: string;
}

async function registerImage(name = unique('snapfilter')): Promise<Registered> {
  const { ImageId } = await ec2.send(new RegisterImageCommand({ Name: name }));
  const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId as string] }));
  const snapshotId = Images?.[0]?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId;
  expect(snapshotId).toMatch(/^snap-/);
  return { imageId: ImageId as string, snapshotId: snapshotId as string };
}

/** The scanner's question: Owners=self, IncludeDisabled, IncludeDeprecated, the snapshot ids. */
async function imagesUsing(
  snapshotIds: string[],
  more: Partial<DescribeImagesCommandInput> & { extraFilters?: Filter[] } = {},
): Promise<string[]> {
  const { extraFilters = [], ...input } = more;
  const { Images } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      IncludeDisabled: true,
      IncludeDeprecated: true,
      Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: snapshotIds }, ...extraFilters],
      ...input,
    }),
  );
  return (Images ?? []).map((image) => image.ImageId as string).sort();
}

let a: Registered;
let b: Registered;
let c: Registered;

beforeAll(async () => {
  const reachable = await fetch(`${motoUrl}/moto-api/config`).then(
    (r) => r.ok,
    () => false,
  );
  if (!reachable)
    throw new Error(`moto_server is not reachable at ${motoUrl}; start the stack or set MOTO_URL`);
  proxy = await startFidelityProxy({ motoUrl });
  ec2 = ec2Client(proxy.url, account);
  a = await registerImage();
  b = await registerImage();
  c = await registerImage();
});

afterAll(async () => {
  ec2?.destroy();
  await proxy?.close();
});

describe('DescribeImages filtered on block-device-mapping.snapshot-id', () => {
  it('returns exactly the images using one of the snapshots', async () => {
    expect(await imagesUsing([a.snapshotId])).toEqual([a.imageId]);
    expect(await imagesUsing([a.snapshotId, b.snapshotId])).toEqual([a.imageId, b.imageId].sort());
    // without the scanner's extra parameters too
    const { Images } = await ec2.send(
      new DescribeImagesCommand({
        Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [c.snapshotId] }],
      }),
    );
    expect(Images?.map((image) => image.ImageId)).toEqual([c.imageId]);
  });

  it('returns nothing for a snapshot no image uses, or one that does not exist', async () => {
    const { VolumeId } = await ec2.send(
      new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 }),
    );
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
    expect(SnapshotId).toMatch(/^snap-/);
    expect(await imagesUsing([SnapshotId as string])).toEqual([]);
    expect(await imagesUsing(['snap-0000000000000dead'])).toEqual([]);
  });

  it('takes 200 values in one call', async () => {
    const values = Array.from({ length: 198 }, (_, i) => `snap-${String(i).padStart(17, '0')}`);
    expect(await imagesUsing([...values, b.snapshotId, c.snapshotId])).toEqual(
      [b.imageId, c.imageId].sort(),
    );
  });

  it('finds a disabled image only with IncludeDisabled', async () => {
    const disabled = await registerImage();
    await ec2.send(new DisableImageCommand({ ImageId: disabled.imageId }));
    const ids = [disabled.snapshotId, a.snapshotId];
    expect(await imagesUsing(ids)).toEqual([disabled.imageId, a.imageId].sort());
    expect(await imagesUsing(ids, { IncludeDisabled: false })).toEqual([a.imageId]);
    expect(
      await imagesUsing(ids, {
        extraFilters: [{ Name: 'state', Values: ['disabled'] }],
      }),
    ).toEqual([disabled.imageId]);
  });

  it('ANDs with the other filters and supports wildcards', async () => {
    const prefix = unique('bdm');
    const named = await registerImage(`${prefix}-x`);
    const name = { Name: 'name', Values: [`${prefix}-*`] };
    expect(await imagesUsing(['snap-*'], { extraFilters: [name] })).toEqual([named.imageId]);
    expect(await imagesUsing([a.snapshotId], { extraFilters: [name] })).toEqual([]);
    expect(
      await imagesUsing([named.snapshotId], {
        extraFilters: [
          { Name: 'block-device-mapping.device-name', Values: ['/dev/sda1'] },
          { Name: 'block-device-mapping.volume-size', Values: ['15'] },
          { Name: 'block-device-mapping.volume-type', Values: ['standard'] },
          { Name: 'block-device-mapping.encrypted', Values: ['false'] },
        ],
      }),
    ).toEqual([named.imageId]);
    expect(
      await imagesUsing([named.snapshotId], {
        extraFilters: [{ Name: 'block-device-mapping.volume-type', Values: ['gp3'] }],
      }),
    ).toEqual([]);
  });

  it('filters before paginating', async () => {
    const input = {
      Owners: ['self'],
      Filters: [
        {
          Name: 'block-device-mapping.snapshot-id',
          Values: [a.snapshotId, b.snapshotId, c.snapshotId],
        },
      ],
    };
    const pages: string[][] = [];
    for await (const page of paginateDescribeImages({ client: ec2, pageSize: 2 }, input))
      pages.push((page.Images ?? []).map((image) => image.ImageId as string));
    expect(pages.map((page) => page.length)).toEqual([2, 1]);
    expect(pages.flat().sort()).toEqual([a.imageId, b.imageId, c.imageId].sort());
  });
});
