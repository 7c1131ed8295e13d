// The proxy against a real moto_server: eventual consistency (new instances, images and
// command invocations invisible for a while), ImdsSupport kept on images, and SSM command
// outcomes decided by a rule.
import {
  CreateImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { testEnv } from '@ami/testing';
import { startFidelityProxy, type FidelityProxy } from './main.js';

const VISIBILITY_MS = 800;
let proxy: FidelityProxy;
let ec2: EC2Client;
let ssm: SSMClient;
const client = {
  region: 'us-east-1',
  credentials: { accessKeyId: 't', secretAccessKey: 't' },
  maxAttempts: 1,
};

beforeAll(async () => {
  proxy = await startFidelityProxy({ motoUrl: testEnv().motoUrl, visibilityMs: VISIBILITY_MS });
  ec2 = new EC2Client({ ...client, endpoint: proxy.url });
  ssm = new SSMClient({ ...client, endpoint: proxy.url });
});
afterAll(async () => {
  ec2?.destroy();
  ssm?.destroy();
  await proxy?.close();
});

const errorCode = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: Error) => error.name,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newInstance(tag: string): Promise<string> {
  const [image] =
    (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }))).Images ?? [];
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: image!.ImageId!,
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'probe', Value: tag }] }],
    }),
  );
  return run.Instances![0]!.InstanceId!;
}

describe('eventual consistency', () => {
  it('hides a new instance for a while: not found by id, left out of filtered lists', async () => {
    const tag = randomUUID();
    const id = await newInstance(tag);
    expect(await errorCode(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })))).toBe(
      'InvalidInstanceID.NotFound',
    );
    expect(
      await errorCode(ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))),
    ).toBe('InvalidInstanceID.NotFound');
    const filtered = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:probe', Values: [tag] }] }),
    );
    expect(filtered.Reservations ?? []).toEqual([]);
    await sleep(VISIBILITY_MS + 100);
    const later = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(later.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(id);
  });

  it('hides a new image the same way, and keeps ImdsSupport=v2.0 once set', async () => {
    const instanceId = await newInstance(randomUUID());
    await sleep(VISIBILITY_MS + 100);
    const name = `consistency-${randomUUID()}`;
    const { ImageId } = await ec2.send(
      new CreateImageCommand({ InstanceId: instanceId, Name: name }),
    );
    expect(await errorCode(ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] })))).toBe(
      'InvalidAMIID.NotFound',
    );
    const byName = await ec2.send(
      new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }),
    );
    expect(byName.Images).toEqual([]);
    await sleep(VISIBILITY_MS + 100);
    await ec2.send(new ModifyImageAttributeCommand({ ImageId, ImdsSupport: { Value: 'v2.0' } }));
    const [image] =
      (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images ?? [];
    expect(image?.ImdsSupport).toBe('v2.0');
    const attribute = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId, Attribute: 'imdsSupport' }),
    );
    expect(attribute.ImdsSupport?.Value).toBe('v2.0');
  });

  it('answers InvocationDoesNotExist right after SendCommand, and a matching outcome rule decides how it ends', async () => {
    const instanceId = await newInstance(randomUUID());
    await fetch(`${proxy.url}/_fidelity/command-outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: 'exit-badly', responseCode: 3, stderr: 'it broke' }),
    });
    const sent = await ssm.send(
      new SendCommandCommand({
        InstanceIds: [instanceId],
        DocumentName: 'AWS-RunShellScript',
        Parameters: { commands: ['echo exit-badly'] },
        Comment: 'probe',
      }),
    );
    const commandId = sent.Command!.CommandId!;
    const ask = () =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    expect(await errorCode(ask())).toBe('InvocationDoesNotExist');
    await sleep(VISIBILITY_MS + 100);
    expect(await ask()).toMatchObject({
      Status: 'Failed',
      StatusDetails: 'Failed',
      ResponseCode: 3,
      StandardErrorContent: 'it broke',
    });
    const listed = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(listed.Commands?.[0]).toMatchObject({ Status: 'Failed', Comment: 'probe' });
  });
});
