// DescribeImageReferences through the proxy against a real moto_server (which has no such
// action): instances, launch templates and SSM parameters that use an image are found.
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeImageReferencesCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type DescribeImageReferencesCommandInput,
  type ImageReference,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { testEnv } from '@ami/testing';
import { startFidelityProxy, type FidelityProxy } from './main.js';

const account = `8${String(Date.now()).slice(-11)}`;
const region = 'us-east-1';
let proxy: FidelityProxy;
let ec2: EC2Client;
let ssm: SSMClient;

/** Sends every call as `account` (moto keeps one backend per account). */
function asAccount<T extends EC2Client | SSMClient>(client: T): T {
  (client as EC2Client).middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

const unique = (label: string) => `fp-refs-${label}-${randomUUID().slice(0, 8)}`;

async function registerImage(): Promise<string> {
  const { ImageId } = await ec2.send(new RegisterImageCommand({ Name: unique('img') }));
  return ImageId as string;
}

async function launch(imageId: string, count = 1): Promise<string[]> {
  const { Instances } = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      MinCount: count,
      MaxCount: count,
      InstanceType: 't3.micro',
    }),
  );
  return (Instances ?? []).map((i) => i.InstanceId as string);
}

async function references(
  input: Partial<DescribeImageReferencesCommandInput> & { ImageIds: string[] },
): Promise<ImageReference[]> {
  const { ImageReferences } = await ec2.send(
    new DescribeImageReferencesCommand({ IncludeAllResourceTypes: true, ...input }),
  );
  return ImageReferences ?? [];
}

async function errorOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
  );
  return { name: error?.name, status: error?.$metadata?.httpStatusCode };
}

const client = {
  region,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  maxAttempts: 1,
};

beforeAll(async () => {
  proxy = await startFidelityProxy({ motoUrl: testEnv().motoUrl });
  ec2 = asAccount(new EC2Client({ ...client, endpoint: proxy.url }));
  ssm = asAccount(new SSMClient({ ...client, endpoint: proxy.url }));
});

afterAll(async () => {
  ec2?.destroy();
  ssm?.destroy();
  await proxy?.close();
});

describe('DescribeImageReferences', () => {
  it('finds the instance, launch template and SSM parameter that use each image, and nothing for an unused one', async () => {
    const [launched, templated, parameterised, unused] = await Promise.all([
      registerImage(),
      registerImage(),
      registerImage(),
      registerImage(),
    ]);
    const [instanceId] = await launch(launched as string);
    const { LaunchTemplate } = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: unique('lt'),
        LaunchTemplateData: { ImageId: templated, InstanceType: 't3.micro' },
      }),
    );
    const parameterName = `/${unique('param')}/ami`;
    await ssm.send(
      new PutParameterCommand({
        Name: parameterName,
        Type: 'String',
        DataType: 'aws:ec2:image',
        Value: parameterised,
      }),
    );

    expect(await references({ ImageIds: [launched as string] })).toEqual([
      {
        ImageId: launched,
        ResourceType: 'ec2:Instance',
        Arn: `arn:aws:ec2:${region}:${account}:instance/${instanceId}`,
      },
    ]);
    expect(await references({ ImageIds: [templated as string] })).toEqual([
      {
        ImageId: templated,
        ResourceType: 'ec2:LaunchTemplate',
        Arn: `arn:aws:ec2:${region}:${account}:launch-template/${LaunchTemplate?.LaunchTemplateId}`,
      },
    ]);
    expect(await references({ ImageIds: [parameterised as string] })).toEqual([
      {
        ImageId: parameterised,
        ResourceType: 'ssm:Parameter',
        Arn: `arn:aws:ssm:${region}:${account}:parameter${parameterName}`,
      },
    ]);
    expect(await references({ ImageIds: [unused as string] })).toEqual([]);

    // several images at once; only the resource types asked for
    const both = await references({
      ImageIds: [launched as string, templated as string, parameterised as string],
      IncludeAllResourceTypes: false,
      ResourceTypes: [{ ResourceType: 'ec2:Instance' }, { ResourceType: 'ssm:Parameter' }],
    });
    expect(both.map((r) => [r.ImageId, r.ResourceType])).toEqual(
      expect.arrayContaining([
        [launched, 'ec2:Instance'],
        [parameterised, 'ssm:Parameter'],
      ]),
    );
    expect(both).toHaveLength(2);

    const counters = (await (await fetch(`${proxy.url}/_fidelity/counters`)).json()) as {
      actions: Record<string, { ok: number; upstream: number; internal: number }>;
    };
    expect(counters.actions.DescribeImageReferences).toMatchObject({ ok: 5, upstream: 0 });
    expect(counters.actions['ssm:DescribeParameters']?.internal).toBeGreaterThan(0);
  });

  it('checks only the newest version-depth versions of a launch template', async () => {
    const [old, current] = await Promise.all([registerImage(), registerImage()]);
    const { LaunchTemplate } = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: unique('lt'),
        LaunchTemplateData: { ImageId: old },
      }),
    );
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: LaunchTemplate?.LaunchTemplateId,
        LaunchTemplateData: { ImageId: current },
      }),
    );
    const depth = (value: string) =>
      references({
        ImageIds: [old as string, current as string],
        IncludeAllResourceTypes: false,
        ResourceTypes: [
          {
            ResourceType: 'ec2:LaunchTemplate',
            ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: [value] }],
          },
        ],
      });
    expect((await depth('1')).map((r) => r.ImageId)).toEqual([current]);
    expect((await depth('2')).map((r) => r.ImageId).sort()).toEqual([old, current].sort());
  });

  it('filters instances by state-name; by default a recently terminated instance still counts', async () => {
    const imageId = (await registerImage()) as string;
    const [running, gone] = await launch(imageId, 2);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone as string] }));
    const arnsFor = async (states?: string[]) =>
      (
        await references({
          ImageIds: [imageId],
          IncludeAllResourceTypes: false,
          ResourceTypes: [
            {
              ResourceType: 'ec2:Instance',
              ...(states
                ? { ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: states }] }
                : {}),
            },
          ],
        })
      )
        .map((r) => r.Arn?.split('/')[1])
        .sort();
    expect(await arnsFor(['running'])).toEqual([running]);
    expect(await arnsFor(['terminated'])).toEqual([gone]);
    expect(await arnsFor()).toEqual([running, gone].sort());
  });

  it('pages with MaxResults and NextToken without repeating a reference', async () => {
    const imageId = (await registerImage()) as string;
    const instances = await launch(imageId, 7);
    const first = await ec2.send(
      new DescribeImageReferencesCommand({
        ImageIds: [imageId],
        IncludeAllResourceTypes: true,
        MaxResults: 5,
      }),
    );
    expect(first.ImageReferences).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    const second = await ec2.send(
      new DescribeImageReferencesCommand({
        ImageIds: [imageId],
        IncludeAllResourceTypes: true,
        MaxResults: 5,
        NextToken: first.NextToken,
      }),
    );
    expect(second.NextToken).toBeUndefined();
    const seen = [...(first.ImageReferences ?? []), ...(second.ImageReferences ?? [])].map(
      (r) => r.Arn?.split('/')[1],
    );
    expect(seen.sort()).toEqual([...instances].sort());
  });

  it('answers as EC2 for unknown or malformed ids and bad requests', async () => {
    expect(await errorOf(references({ ImageIds: ['ami-0123456789abcdef0'] }))).toEqual({
      name: 'InvalidAMIID.NotFound',
      status: 400,
    });
    expect(await errorOf(references({ ImageIds: ['not-an-ami'] }))).toEqual({
      name: 'InvalidAMIID.Malformed',
      status: 400,
    });
    const imageId = (await registerImage()) as string;
    expect(
      await errorOf(ec2.send(new DescribeImageReferencesCommand({ ImageIds: [imageId] }))),
    ).toEqual({ name: 'MissingParameter', status: 400 });
    expect(await errorOf(references({ ImageIds: [imageId], DryRun: true }))).toEqual({
      name: 'DryRunOperation',
      status: 412,
    });
  });

  it('is throttled and given faults like any EC2 call', async () => {
    const imageId = (await registerImage()) as string;
    await fetch(`${proxy.url}/_fidelity/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'DescribeImageReferences', kind: 'internal-error', count: 1 }),
    });
    expect(await errorOf(references({ ImageIds: [imageId] }))).toEqual({
      name: 'InternalError',
      status: 500,
    });
    await fetch(`${proxy.url}/_fidelity/config`, {
      method: 'PUT',
      body: JSON.stringify({
        throttle: 'on',
        buckets: { DescribeImageReferences: { capacity: 1, refillPerSecond: 0 } },
      }),
    });
    try {
      expect(await references({ ImageIds: [imageId] })).toEqual([]);
      expect(await errorOf(references({ ImageIds: [imageId] }))).toEqual({
        name: 'RequestLimitExceeded',
        status: 503,
      });
    } finally {
      await fetch(`${proxy.url}/_fidelity/config`, {
        method: 'PUT',
        body: JSON.stringify({ throttle: 'off', buckets: { DescribeImageReferences: null } }),
      });
    }
  });
});
