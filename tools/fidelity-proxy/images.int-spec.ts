// The proxy against a real moto_server (MOTO_URL): what EC2 does with images that moto
// alone does not.
import {
  CopyImageCommand,
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DisableImageBlockPublicAccessCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  DisableImageDeregistrationProtectionCommand,
  EC2Client,
  EnableImageBlockPublicAccessCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  paginateDescribeImages,
  type Image,
} from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import { testEnv } from '@ami/testing';
import { startFidelityProxy, type FidelityProxy } from './main.js';

const motoUrl = testEnv().motoUrl;
const account = `9${String(Date.now()).slice(-11)}`;
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

async function expectEc2Error(
  promise: Promise<unknown>,
  code: string,
  status = 400,
): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
  );
  expect(error, `expected ${code}`).toBeDefined();
  expect(error?.name).toBe(code);
  expect(error?.$metadata?.httpStatusCode).toBe(status);
  return error as Error;
}

const unique = (label: string) => `fp-${label}-${randomUUID().slice(0, 8)}`;

async function registerImage(name = unique('img')): Promise<string> {
  const { ImageId } = await ec2.send(new RegisterImageCommand({ Name: name }));
  return ImageId as string;
}

async function describeOne(imageId: string, includeDisabled = false): Promise<Image | undefined> {
  const { Images } = await ec2.send(
    new DescribeImagesCommand({ ImageIds: [imageId], IncludeDisabled: includeDisabled }),
  );
  return Images?.[0];
}

async function launchInstance(): Promise<string> {
  const imageId = await registerImage();
  const { Instances } = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.micro',
    }),
  );
  return Instances?.[0]?.InstanceId as string;
}

beforeAll(async () => {
  const reachable = await fetch(`${motoUrl}/moto-api/config`).then(
    (r) => r.ok,
    () => false,
  );
  if (!reachable)
    throw new Error(`moto_server is not reachable at ${motoUrl}; start the stack or set MOTO_URL`);
  proxy = await startFidelityProxy({ motoUrl });
  ec2 = ec2Client(proxy.url, account);
});

afterAll(async () => {
  ec2?.destroy();
  await proxy?.close();
});

describe('pending images', () => {
  afterEach(() => {
    proxy.state.pendingMs = 0;
  });

  it('reports a new image as pending until pendingMs has passed, and filters on that state', async () => {
    await fetch(`${proxy.url}/_fidelity/config`, {
      method: 'PUT',
      body: JSON.stringify({ pendingMs: 600 }),
    });
    const name = unique('pending');
    const imageId = await registerImage(name);
    const byState = async (state: string) =>
      (
        await ec2.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            Filters: [
              { Name: 'name', Values: [name] },
              { Name: 'state', Values: [state] },
            ],
          }),
        )
      ).Images ?? [];

    expect((await describeOne(imageId))?.State).toBe('pending');
    expect(await byState('pending')).toHaveLength(1);
    expect(await byState('available')).toHaveLength(0);

    await new Promise((resolve) => setTimeout(resolve, 650));
    expect((await describeOne(imageId))?.State).toBe('available');
    expect(await byState('available')).toHaveLength(1);
    expect(await byState('pending')).toHaveLength(0);
  });
});

describe('ClientToken', () => {
  it('answers a repeated RunInstances with the first reservation, without a second launch', async () => {
    const imageId = await registerImage();
    const before = proxy.state.counters.get('RunInstances');
    const run = () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
          ClientToken: unique('token'),
        }),
      );
    const token = unique('token');
    const first = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.micro',
        ClientToken: token,
      }),
    );
    const retry = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.micro',
        ClientToken: token,
      }),
    );

    expect(retry.ReservationId).toBe(first.ReservationId);
    expect(retry.Instances?.map((i) => i.InstanceId)).toEqual(
      first.Instances?.map((i) => i.InstanceId),
    );
    const after = proxy.state.counters.get('RunInstances');
    expect(after.upstream - before.upstream).toBe(1);
    expect(after.replayed - before.replayed).toBe(1);
    const launched = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'image-id', Values: [imageId] }] }),
    );
    expect(launched.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(1);

    // a different token is a different launch
    const other = await run();
    expect(other.ReservationId).not.toBe(first.ReservationId);
  });

  it('answers a repeated CopyImage with the first image id and refuses the token with other parameters', async () => {
    const sourceImageId = await registerImage();
    const token = unique('copy');
    const name = unique('copy');
    const before = proxy.state.counters.get('CopyImage');
    const copy = (copyName: string) =>
      ec2.send(
        new CopyImageCommand({
          SourceImageId: sourceImageId,
          SourceRegion: 'us-east-1',
          Name: copyName,
          ClientToken: token,
        }),
      );

    const first = await copy(name);
    const retry = await copy(name);
    expect(retry.ImageId).toBe(first.ImageId);
    expect(proxy.state.counters.get('CopyImage').upstream - before.upstream).toBe(1);
    await expectEc2Error(copy(unique('other-name')), 'IdempotentParameterMismatch');

    const copied = await describeOne(first.ImageId as string);
    expect(copied?.SourceImageId).toBe(sourceImageId);
    expect(copied?.SourceImageRegion).toBe('us-east-1');
  });
});

describe('AMI name uniqueness', () => {
  it('refuses a second CreateImage with a name in use, naming the image that holds it', async () => {
    const instanceId = await launchInstance();
    const name = unique('dup');
    const { ImageId } = await ec2.send(
      new CreateImageCommand({ InstanceId: instanceId, Name: name }),
    );
    const error = await expectEc2Error(
      ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: name })),
      'InvalidAMIName.Duplicate',
    );
    expect(error.message).toBe(`AMI name ${name} is already in use by AMI ${ImageId}`);
    await expectEc2Error(
      ec2.send(
        new CopyImageCommand({ SourceImageId: ImageId, SourceRegion: 'us-east-1', Name: name }),
      ),
      'InvalidAMIName.Duplicate',
    );

    // once deregistered, the name is free again
    await ec2.send(new DeregisterImageCommand({ ImageId }));
    const again = await ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: name }));
    expect(again.ImageId).not.toBe(ImageId);
  });

  it('knows names of images created in moto before the proxy saw them', async () => {
    const name = unique('preexisting');
    const direct = ec2Client(motoUrl, account);
    const { ImageId } = await direct.send(new RegisterImageCommand({ Name: name }));
    direct.destroy();
    const error = await expectEc2Error(
      ec2.send(new RegisterImageCommand({ Name: name })),
      'InvalidAMIName.Duplicate',
    );
    expect(error.message).toContain(ImageId as string);
  });

  it('treats brackets in AMI names literally, in name filters and in the duplicate check', async () => {
    const name = `${unique('brackets')} [prod] (v1)`;
    const imageId = await registerImage(name);
    const found = await ec2.send(
      new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }),
    );
    expect(found.Images?.map((image) => image.ImageId)).toEqual([imageId]);
    await expectEc2Error(
      ec2.send(new RegisterImageCommand({ Name: name })),
      'InvalidAMIName.Duplicate',
    );
  });

  it('keeps names per account', async () => {
    const name = unique('per-account');
    await registerImage(name);
    const otherAccount = ec2Client(proxy.url, `8${account.slice(1)}`);
    await expect(
      otherAccount.send(new RegisterImageCommand({ Name: name })),
    ).resolves.toHaveProperty('ImageId');
    otherAccount.destroy();
  });
});

describe('DescribeImages pagination', () => {
  it('walks every page of MaxResults=5 once, matching the unpaginated answer', async () => {
    const prefix = unique('page');
    for (let i = 0; i < 12; i++) await registerImage(`${prefix}-${String(i).padStart(2, '0')}`);
    const input = { Owners: ['self'], Filters: [{ Name: 'name', Values: [`${prefix}-*`] }] };

    const all = (await ec2.send(new DescribeImagesCommand(input))).Images ?? [];
    const pageSizes: number[] = [];
    const paged: string[] = [];
    for await (const page of paginateDescribeImages({ client: ec2, pageSize: 5 }, input)) {
      pageSizes.push(page.Images?.length ?? 0);
      paged.push(...(page.Images ?? []).map((image) => image.ImageId as string));
    }

    expect(all).toHaveLength(12);
    expect(pageSizes).toEqual([5, 5, 2]);
    expect(new Set(paged).size).toBe(paged.length);
    expect([...paged].sort()).toEqual(all.map((image) => image.ImageId as string).sort());
  });

  it('refuses a NextToken from another query', async () => {
    const prefix = unique('token');
    for (let i = 0; i < 3; i++) await registerImage(`${prefix}-${i}`);
    const first = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: [`${prefix}-*`] }],
        MaxResults: 1,
      }),
    );
    expect(first.NextToken).toBeDefined();
    await expectEc2Error(
      ec2.send(
        new DescribeImagesCommand({
          Owners: ['amazon'],
          MaxResults: 1,
          NextToken: first.NextToken,
        }),
      ),
      'InvalidPaginationToken',
    );
  });
});

describe('overlay for the image actions moto lacks', () => {
  it('deprecates and un-deprecates an image, visible in DescribeImages', async () => {
    const imageId = await registerImage();
    const deprecateAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    deprecateAt.setUTCSeconds(0, 0);
    const enabled = await ec2.send(
      new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: deprecateAt }),
    );
    expect(enabled.Return).toBe(true);
    expect((await describeOne(imageId))?.DeprecationTime).toBe(deprecateAt.toISOString());

    await ec2.send(new DisableImageDeprecationCommand({ ImageId: imageId }));
    expect((await describeOne(imageId))?.DeprecationTime).toBeUndefined();
    await expectEc2Error(
      ec2.send(
        new EnableImageDeprecationCommand({
          ImageId: 'ami-0000000000000dead',
          DeprecateAt: deprecateAt,
        }),
      ),
      'InvalidAMIID.NotFound',
    );
  });

  it('hides a disabled image unless IncludeDisabled, and shows it again once enabled', async () => {
    const imageId = await registerImage();
    await ec2.send(
      new ModifyImageAttributeCommand({
        ImageId: imageId,
        LaunchPermission: { Add: [{ UserId: '444455556666' }] },
      }),
    );
    expect((await ec2.send(new DisableImageCommand({ ImageId: imageId }))).Return).toBe(true);

    expect(await describeOne(imageId)).toBeUndefined();
    expect((await describeOne(imageId, true))?.State).toBe('disabled');
    await expectEc2Error(
      ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: { Add: [{ UserId: '444455556666' }] },
        }),
      ),
      'OperationNotPermitted',
    );

    await ec2.send(new EnableImageCommand({ ImageId: imageId }));
    const enabled = await describeOne(imageId);
    expect(enabled?.State).toBe('available');
    // disabling made it private; enabling does not restore the sharing
    const direct = ec2Client(motoUrl, account);
    const permissions = await direct.send(
      new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
    );
    direct.destroy();
    expect(permissions.LaunchPermissions ?? []).toEqual([]);
  });

  it('blocks deregistration while protection is on', async () => {
    const imageId = await registerImage();
    const enabled = await ec2.send(
      new EnableImageDeregistrationProtectionCommand({ ImageId: imageId }),
    );
    expect(enabled.Return).toBe('enabled-without-cooldown');
    expect((await describeOne(imageId))?.DeregistrationProtection).toBe('enabled-without-cooldown');
    await expectEc2Error(
      ec2.send(new DeregisterImageCommand({ ImageId: imageId })),
      'OperationNotPermitted',
    );
    expect(await describeOne(imageId)).toBeDefined();

    const disabled = await ec2.send(
      new DisableImageDeregistrationProtectionCommand({ ImageId: imageId }),
    );
    expect(disabled.Return).toBe('disabled');
    await ec2.send(new DeregisterImageCommand({ ImageId: imageId }));
    expect(await describeOne(imageId)).toBeUndefined();
  });

  it('keeps deregistration blocked during the cooldown after protection with cooldown is disabled', async () => {
    const imageId = await registerImage();
    await ec2.send(
      new EnableImageDeregistrationProtectionCommand({ ImageId: imageId, WithCooldown: true }),
    );
    await ec2.send(new DisableImageDeregistrationProtectionCommand({ ImageId: imageId }));
    expect((await describeOne(imageId))?.DeregistrationProtection).toMatch(/^disabled-until-/);
    await expectEc2Error(
      ec2.send(new DeregisterImageCommand({ ImageId: imageId })),
      'OperationNotPermitted',
    );
  });

  it('refuses to make an image public while image block public access is on', async () => {
    const imageId = await registerImage();
    const blocked = await ec2.send(
      new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: 'block-new-sharing' }),
    );
    expect(blocked.ImageBlockPublicAccessState).toBe('block-new-sharing');
    try {
      expect(
        (await ec2.send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState,
      ).toBe('block-new-sharing');
      await expectEc2Error(
        ec2.send(
          new ModifyImageAttributeCommand({
            ImageId: imageId,
            LaunchPermission: { Add: [{ Group: 'all' }] },
          }),
        ),
        'OperationNotPermitted',
      );
      // sharing with an account is still allowed
      await ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: { Add: [{ UserId: '444455556666' }] },
        }),
      );
    } finally {
      const unblocked = await ec2.send(new DisableImageBlockPublicAccessCommand({}));
      expect(unblocked.ImageBlockPublicAccessState).toBe('unblocked');
    }
    await ec2.send(
      new ModifyImageAttributeCommand({
        ImageId: imageId,
        LaunchPermission: { Add: [{ Group: 'all' }] },
      }),
    );
    expect((await describeOne(imageId))?.Public).toBe(true);
  });

  it('deletes the image snapshots when DeregisterImage asks for it', async () => {
    const imageId = await registerImage();
    const snapshotIds = ((await describeOne(imageId))?.BlockDeviceMappings ?? []).map(
      (m) => m.Ebs?.SnapshotId as string,
    );
    expect(snapshotIds.length).toBeGreaterThan(0);

    const result = await ec2.send(
      new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }),
    );
    expect(result.DeleteSnapshotResults).toEqual(
      snapshotIds.map((SnapshotId) => ({ SnapshotId, ReturnCode: 'success' })),
    );
    await expectEc2Error(
      ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds })),
      'InvalidSnapshot.NotFound',
    );
  });
});
