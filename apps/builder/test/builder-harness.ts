import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  Image,
} from '@aws-sdk/client-ec2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { mintToken } from '@ami/auth';
import {
  createEnvelope,
  EventCatalog,
  EventType,
  FamilySpecInput,
  PayloadOf,
  validateFamilySpec,
} from '@ami/contracts';
import { digestOf } from '@ami/contracts';
import {
  eventually,
  FidelityForTest,
  freePort,
  LOCAL_AUTH_SECRET,
  sourceFor,
  startFidelityForTest,
  startServiceForTest,
  testKafka,
} from '@ami/testing';
import { BuilderModule } from '../src/builder.module.js';
import { configureBuilder } from '../src/configure-builder.js';

/** Builder settings that make tests quick: fast polling, few retries, short image timeout. */
export const FAST_BUILDER_ENV = {
  BUILD_POLL_INTERVAL_MS: '200',
  BUILD_WORKER_INTERVAL_MS: '100',
  BUILD_STEP_MAX_ATTEMPTS: '2',
  BUILD_STEP_RETRY_BASE_MS: '100',
  BUILD_IMAGE_TIMEOUT_S: '20',
  BUILD_LEASE_MS: '3000',
  EC2_RETRY_MAX_ATTEMPTS: '2',
  EC2_RETRY_BASE_MS: '50',
};

export function familySpec(
  name: string,
  overrides: Partial<FamilySpecInput> = {},
): FamilySpecInput {
  return {
    name,
    owner: 'platform-team',
    source: {
      ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    },
    build: {
      region: 'us-east-1',
      instanceType: 't3.micro',
      customisation: { steps: [{ name: 'patch', run: 'dnf -y upgrade --security' }] },
      launchBlockDeviceMappings: [
        { deviceName: '/dev/xvda', volumeSize: 20, volumeType: 'gp3', encrypted: true },
      ],
    },
    distribution: { regions: ['us-east-1'] },
    ...overrides,
  };
}

export interface BuilderHarness {
  app: INestApplication;
  db: DataSource;
  fidelity: FidelityForTest;
  ec2: EC2Client;
  url: string;
  /** Publishes the spec the way the catalog does, and waits until the builder has its recipe. */
  applySpec(spec: FamilySpecInput, specVersion?: number): Promise<void>;
  publish<T extends EventType>(type: T, data: PayloadOf<T>, key: string): Promise<string>;
  http(
    method: string,
    path: string,
    body?: unknown,
    role?: 'reader' | 'operator',
  ): Promise<{ status: number; body: any }>;
  /** Calls ami.builder.v1.BuilderService with a reader token. */
  grpc(method: string, request: unknown): Promise<any>;
  builds(family: string): Promise<
    Array<{
      id: string;
      state: string;
      step: string;
      failed_step: string | null;
      failure_reason: string | null;
      image_id: string | null;
      version: string | null;
      instance_id: string | null;
      cleaned_up: string[];
    }>
  >;
  waitForBuild(family: string, states: string[], timeoutMs?: number): Promise<any>;
  image(imageId: string): Promise<Image | undefined>;
  liveInstances(buildId: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * How long the builder's test proxies hide new instances, images and command invocations:
 * EC2's eventual consistency is on in every builder test, like pending images.
 */
export const TEST_VISIBILITY_MS = 1000;

export async function startBuilder(
  options: { pendingMs?: number; visibilityMs?: number; env?: Record<string, string> } = {},
): Promise<BuilderHarness> {
  const fidelity = await startFidelityForTest({
    pendingMs: options.pendingMs ?? 1500,
    visibilityMs: options.visibilityMs ?? TEST_VISIBILITY_MS,
  });
  const port = await freePort();
  const app = (await startServiceForTest(
    BuilderModule,
    { name: 'builder', schema: 'builder', consumeEvents: true },
    { ...FAST_BUILDER_ENV, AWS_ENDPOINT_URL: fidelity.url, ...options.env },
    configureBuilder,
  )) as NestFastifyApplication;
  await app.listen(port, '127.0.0.1');
  const db = app.get(DataSource);
  const ec2 = new EC2Client({
    region: 'us-east-1',
    endpoint: fidelity.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 5,
  });
  const producer = testKafka('builder-test').producer();
  await producer.connect();
  const publish = async <T extends EventType>(type: T, data: PayloadOf<T>, key: string) => {
    const event = createEnvelope(type, data, { source: sourceFor(type) });
    await producer.send({
      topic: EventCatalog[type].topic,
      messages: [{ key, value: JSON.stringify(event) }],
    });
    return event.id;
  };
  const harness: BuilderHarness = {
    app,
    db,
    fidelity,
    ec2,
    url: `http://127.0.0.1:${port}`,
    publish,
    async applySpec(input, specVersion = 1) {
      const result = validateFamilySpec(input);
      if (!result.ok) throw new Error(`bad test spec: ${JSON.stringify(result.problems)}`);
      await publish(
        'ami.family-spec.applied',
        {
          family: result.spec.name,
          specVersion,
          digest: digestOf(result.spec),
          spec: result.spec,
          appliedBy: 'test',
        },
        result.spec.name,
      );
      await eventually(
        async () =>
          (
            await db.query(
              'SELECT 1 FROM builder.family_recipes WHERE family = $1 AND spec_version = $2',
              [result.spec.name, specVersion],
            )
          ).length === 1,
        30_000,
        `the builder to learn the recipe of ${result.spec.name}`,
      );
    },
    async http(method, path, body, role = 'operator') {
      const token = await mintToken({
        subject: 'tester',
        roles: [role],
        secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
        expiresIn: 600,
      });
      const res = await fetch(`${harness.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async grpc(method, request) {
      const root = fileURLToPath(new URL('../../../libs/contracts/proto', import.meta.url));
      const definition = protoLoader.loadSync(`${root}/ami/builder/v1/builder.proto`, {
        keepCase: false,
        longs: String,
        enums: String,
        defaults: true,
      });
      const Service = (grpc.loadPackageDefinition(definition) as any).ami.builder.v1.BuilderService;
      const client = new Service(
        `127.0.0.1:${process.env.GRPC_PORT}`,
        grpc.credentials.createInsecure(),
      );
      const metadata = new grpc.Metadata();
      metadata.set(
        'authorization',
        `Bearer ${await mintToken({ subject: 'tester', roles: ['reader'], secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET, expiresIn: 600 })}`,
      );
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
    builds: (family) =>
      db.query('SELECT * FROM builder.builds WHERE family = $1 ORDER BY created_at', [family]),
    async waitForBuild(family, states, timeoutMs = 60_000) {
      let last: any;
      await eventually(
        async () => {
          const rows = await harness.builds(family);
          last = rows[rows.length - 1];
          return Boolean(last && states.includes(last.state));
        },
        timeoutMs,
        `a build of ${family} to be ${states.join(' or ')} (last: ${JSON.stringify(last && { state: last.state, step: last.step, reason: last.failure_reason })})`,
      );
      return last;
    },
    async image(imageId) {
      return (
        await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId], IncludeDeprecated: true }))
      ).Images?.[0];
    },
    async liveInstances(buildId) {
      const out = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'tag:ami-factory:build-id', Values: [buildId] }],
        }),
      );
      return (out.Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .filter((i) => !['terminated', 'shutting-down'].includes(i.State?.Name ?? ''))
        .map((i) => `${i.InstanceId}:${i.State?.Name}`);
    },
    async close() {
      await producer.disconnect();
      await app.close();
      ec2.destroy();
      await fidelity.close();
    },
  };
  return harness;
}
