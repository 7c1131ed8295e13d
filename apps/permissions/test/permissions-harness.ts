import {
  CopyImageCommand,
  CreateImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type LaunchPermission,
} from '@aws-sdk/client-ec2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { mintToken } from '@ami/auth';
import {
  BUILD_SUCCEEDED,
  COPY_SUCCEEDED,
  createEnvelope,
  digestOf,
  EventCatalog,
  FAMILY_SPEC_APPLIED,
  Topics,
  validateFamilySpec,
  type EventType,
  type FamilySpecInput,
  type PayloadOf,
} from '@ami/contracts';
import {
  collect,
  eventually,
  freePort,
  LOCAL_AUTH_SECRET,
  startFidelityForTest,
  sourceFor,
  startServiceForTest,
  testEnv,
  testKafka,
  type FidelityForTest,
} from '@ami/testing';
import { configurePermissions } from '../src/configure-permissions.js';
import { PermissionsModule } from '../src/permissions.module.js';

export const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
export const OU = 'arn:aws:organizations::123456789012:ou/o-abc123def4/ou-ab12-cdef3456';
export const ORG = 'arn:aws:organizations::123456789012:organization/o-abc123def4';

/** Settings that make tests quick: fast ticks and retries, no scheduled reconcile (only on request). */
export const FAST_PERMISSIONS_ENV = {
  PERMISSIONS_WORKER_INTERVAL_MS: '100',
  PERMISSIONS_RETRY_BASE_MS: '200',
  PERMISSIONS_RETRY_MAX_MS: '1000',
  PERMISSIONS_LEASE_MS: '5000',
  RECONCILE_INTERVAL_S: '0',
  EC2_RETRY_MAX_ATTEMPTS: '2',
  EC2_RETRY_BASE_MS: '50',
};

export interface Copy {
  region: string;
  imageId: string;
  snapshotIds: string[];
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export type Collected = Awaited<ReturnType<typeof collect>>;

export async function startPermissions(options: { env?: Record<string, string> } = {}) {
  const fidelity: FidelityForTest = await startFidelityForTest({ pendingMs: 0 });
  const port = await freePort();
  const app = (await startServiceForTest(
    PermissionsModule,
    { name: 'permissions', schema: 'permissions', consumeEvents: true },
    { ...FAST_PERMISSIONS_ENV, AWS_ENDPOINT_URL: fidelity.url, ...options.env },
    configurePermissions,
  )) as NestFastifyApplication;
  await app.listen(port, '127.0.0.1');
  const db = app.get(DataSource);
  const url = `http://127.0.0.1:${port}`;
  // through the proxy: what the platform's own calls see; straight to moto: "outside the platform"
  const viaProxy = (region: string) =>
    new EC2Client({ region, endpoint: fidelity.url, credentials, maxAttempts: 5 });
  const outside = (region: string) =>
    new EC2Client({ region, endpoint: testEnv().motoUrl, credentials, maxAttempts: 3 });
  const producer = testKafka('permissions-test').producer();
  await producer.connect();
  const kafka = testKafka();

  const publish = async <T extends EventType>(type: T, data: PayloadOf<T>, key: string) => {
    const event = createEnvelope(type, data, { source: sourceFor(type) });
    await producer.send({
      topic: EventCatalog[type].topic,
      messages: [{ key, value: JSON.stringify(event) }],
    });
    return event.id;
  };

  const h = {
    app,
    db,
    fidelity,
    url,
    publish,
    outside,
    kafka,
    /** Collects what the service says from now on: its topic and the audit stream. */
    listen: () => collect(kafka, [Topics.LaunchPermissions, Topics.Audit]),

    async applySpec(name: string, sharing: FamilySpecInput['sharing'], specVersion = 1) {
      const result = validateFamilySpec({
        name,
        owner: 'platform-team',
        source: {
          ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
        },
        distribution: { regions: [...REGIONS] },
        sharing,
      });
      if (!result.ok) throw new Error(`bad test spec: ${JSON.stringify(result.problems)}`);
      await publish(
        FAMILY_SPEC_APPLIED,
        {
          family: name,
          specVersion,
          digest: digestOf(result.spec),
          spec: result.spec,
          appliedBy: 'test:spec-author',
        },
        name,
      );
      await eventually(
        async () =>
          (
            await db.query(
              'SELECT 1 FROM permissions.family_sharing WHERE family = $1 AND spec_version = $2',
              [name, specVersion],
            )
          ).length === 1,
        30_000,
        `permissions to take spec ${specVersion} of ${name}`,
      );
    },

    /** A real image in us-east-1 (an instance, CreateImage) and real copies in the other regions. */
    async makeVersion(family: string, version: string, regions: readonly string[] = REGIONS) {
      const [home, ...others] = regions as [string, ...string[]];
      const east = viaProxy(home);
      try {
        const base = (
          await east.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }))
        ).Images![0]!.ImageId!;
        const run = await east.send(
          new RunInstancesCommand({
            ImageId: base,
            MinCount: 1,
            MaxCount: 1,
            InstanceType: 't3.micro',
          }),
        );
        const instanceId = run.Instances![0]!.InstanceId!;
        const created = await east.send(
          new CreateImageCommand({
            InstanceId: instanceId,
            Name: `ami-factory/${family}/${version}`,
          }),
        );
        await east.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
        const copies: Copy[] = [
          {
            region: home,
            imageId: created.ImageId!,
            snapshotIds: await h.snapshotsOf(home, created.ImageId!),
          },
        ];
        for (const region of others) {
          const client = viaProxy(region);
          const copy = await client.send(
            new CopyImageCommand({
              SourceImageId: created.ImageId,
              SourceRegion: home,
              Name: `ami-factory/${family}/${version}`,
            }),
          );
          client.destroy();
          copies.push({
            region,
            imageId: copy.ImageId!,
            snapshotIds: await h.snapshotsOf(region, copy.ImageId!),
          });
        }
        return copies;
      } finally {
        east.destroy();
      }
    },

    async snapshotsOf(region: string, imageId: string): Promise<string[]> {
      const client = outside(region);
      const image = (await client.send(new DescribeImagesCommand({ ImageIds: [imageId] })))
        .Images![0]!;
      client.destroy();
      return (image.BlockDeviceMappings ?? [])
        .map((m) => m.Ebs?.SnapshotId)
        .filter((s): s is string => !!s);
    },

    /** The version as the builder and the replicator announce it. */
    async announce(family: string, version: string, copies: Copy[]) {
      const [first, ...rest] = copies as [Copy, ...Copy[]];
      await publish(
        BUILD_SUCCEEDED,
        {
          buildId: crypto.randomUUID(),
          family,
          version,
          specVersion: 1,
          recipeDigest: 'sha256:test',
          source: {
            imageId: 'ami-0123456789abcdef0',
            region: first.region,
            description: 'test',
            parent: null,
          },
          image: {
            region: first.region,
            imageId: first.imageId,
            name: `ami-factory/${family}/${version}`,
            snapshotIds: first.snapshotIds,
          },
          startedAt: new Date().toISOString(),
          finishedAt: new Date().toISOString(),
        },
        family,
      );
      for (const c of rest)
        await publish(
          COPY_SUCCEEDED,
          { family, version, region: c.region, imageId: c.imageId, snapshotIds: c.snapshotIds },
          family,
        );
    },

    /** Waits until `count` copies of the family exist and none has a pass due. */
    async settled(family: string, count: number, timeoutMs = 30_000) {
      let last: unknown;
      await eventually(
        async () => {
          const rows = await db.query(
            `SELECT version, region, request_generation, applied_generation, next_attempt_at, last_error FROM permissions.copies WHERE family = $1`,
            [family],
          );
          last = rows;
          return (
            rows.length === count &&
            rows.every((r: any) => Number(r.applied_generation) >= Number(r.request_generation))
          );
        },
        timeoutMs,
        `${count} copies of ${family} to be settled (last: ${JSON.stringify(last)})`,
      );
    },

    async launchPermissions(region: string, imageId: string): Promise<string[]> {
      const client = outside(region);
      const out = await client.send(
        new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
      );
      client.destroy();
      return (out.LaunchPermissions ?? [])
        .map((p) => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? `group:${p.Group}`)
        .sort();
    },

    async snapshotPermissions(region: string, snapshotId: string): Promise<string[]> {
      const client = outside(region);
      const out = await client.send(
        new DescribeSnapshotAttributeCommand({
          SnapshotId: snapshotId,
          Attribute: 'createVolumePermission',
        }),
      );
      client.destroy();
      return (out.CreateVolumePermissions ?? []).map((p) => p.UserId ?? `group:${p.Group}`).sort();
    },

    /** A change made straight on moto, the way someone with console access would. */
    async shareOutside(region: string, imageId: string, add: LaunchPermission[]) {
      const client = outside(region);
      await client.send(
        new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: add } }),
      );
      client.destroy();
    },

    async http(
      method: string,
      path: string,
      body?: unknown,
      role: 'reader' | 'operator' | 'admin' = 'admin',
    ) {
      const token = await mintToken({
        subject: 'tester',
        roles: [role],
        secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
        expiresIn: 600,
      });
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: text ? JSON.parse(text) : null,
      };
    },

    /** Calls ami.permissions.v1.PermissionsService with a token of the given role. */
    async grpc(
      method: string,
      request: unknown,
      role: 'reader' | 'operator' | 'admin' = 'reader',
    ): Promise<any> {
      const root = fileURLToPath(new URL('../../../libs/contracts/proto', import.meta.url));
      const definition = protoLoader.loadSync(`${root}/ami/permissions/v1/permissions.proto`, {
        keepCase: false,
        longs: String,
        enums: String,
        defaults: true,
      });
      const Service = (grpc.loadPackageDefinition(definition) as any).ami.permissions.v1
        .PermissionsService;
      const client = new Service(
        `127.0.0.1:${process.env.GRPC_PORT}`,
        grpc.credentials.createInsecure(),
      );
      const metadata = new grpc.Metadata();
      const token = await mintToken({
        subject: 'tester',
        roles: [role],
        secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
        expiresIn: 600,
      });
      metadata.set('authorization', `Bearer ${token}`);
      try {
        return await new Promise((resolve, reject) =>
          client[method](request, metadata, (error: Error | null, value: unknown) =>
            error ? reject(error) : resolve(value),
          ),
        );
      } finally {
        client.close();
      }
    },

    async close() {
      await producer.disconnect();
      await app.close();
      await fidelity.close();
    },
  };
  return h;
}

export type PermissionsHarness = Awaited<ReturnType<typeof startPermissions>>;

/** The data of every message of a type (on the permissions topic or the audit stream) about a family. */
export function dataOf(messages: Collected['messages'], type: string, family: string): any[] {
  return messages
    .map((m) => JSON.parse(m.message.value!.toString()))
    .filter(
      (e) => e.type === type && (e.data.family === family || e.data.subject?.family === family),
    )
    .map((e) => e.data);
}
