import { CopyImageCommand, DescribeImagesCommand, EC2Client, Image } from '@aws-sdk/client-ec2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { mintToken } from '@ami/auth';
import { MOTO_ACCOUNT_HEADER } from '@ami/aws';
import {
  BUILD_SUCCEEDED,
  createEnvelope,
  digestOf,
  EventCatalog,
  EventType,
  FAMILY_SPEC_APPLIED,
  FamilySpecInput,
  PayloadOf,
  Topics,
  validateFamilySpec,
} from '@ami/contracts';
import {
  eventually,
  FidelityForTest,
  freePort,
  LOCAL_AUTH_SECRET,
  startFidelityForTest,
  sourceFor,
  startServiceForTest,
  testEnv,
  testKafka,
} from '@ami/testing';
import { configureReplicator } from '../src/configure-replicator.js';
import { ReplicatorModule } from '../src/replicator.module.js';

/** Replicator settings that make tests quick: fast ticks and polls, short leases. */
export const FAST_REPLICATOR_ENV = {
  COPY_WORKER_INTERVAL_MS: '100',
  COPY_POLL_INTERVAL_MS: '300',
  COPY_LEASE_MS: '3000',
  COPY_RETRY_BASE_MS: '200',
  COPY_RETRY_MAX_MS: '1000',
  COPY_MAX_ATTEMPTS: '3',
  EC2_RETRY_MAX_ATTEMPTS: '3',
  EC2_RETRY_BASE_MS: '50',
};

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** An EC2 client for a region, through the given endpoint (the proxy) or straight to moto. */
export function ec2Client(region: string, endpoint = testEnv().motoUrl): EC2Client {
  return new EC2Client({ region, endpoint, credentials, maxAttempts: 5 });
}

/**
 * A self-owned image in `region` to copy from, made straight in moto (not through the proxy,
 * so it is available at once and counts no calls).
 */
export async function sourceImage(name: string, region = 'us-east-1'): Promise<string> {
  const ec2 = ec2Client(region);
  try {
    const amazon = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [{ Name: 'name', Values: ['al2023-ami-2023*'] }],
      }),
    );
    const base = amazon.Images?.[0]?.ImageId;
    if (!base) throw new Error('moto has no Amazon Linux 2023 image to start from');
    const out = await ec2.send(
      new CopyImageCommand({ SourceImageId: base, SourceRegion: region, Name: name }),
    );
    return out.ImageId!;
  } finally {
    ec2.destroy();
  }
}

/** KMS in moto (no SDK client in the project): create a key, optionally disabled. */
export async function kmsKey(region: string, options: { disabled?: boolean } = {}) {
  const call = async (target: string, body: object) => {
    const res = await fetch(`${testEnv().motoUrl}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `TrentService.${target}`,
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`KMS ${target} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as any;
  };
  const created = await call('CreateKey', { Description: 'replicator test key' });
  const arn = created.KeyMetadata.Arn as string;
  // moto's DisableKey takes the key id, not the ARN
  if (options.disabled) await call('DisableKey', { KeyId: created.KeyMetadata.KeyId });
  return arn;
}

/**
 * Commits a new consumer group's offsets at the end of the replicator's topics, before any
 * replica joins: replicas that start later (a second one, or one restarted after a SIGKILL
 * while the dead member is still registered) then find the group's offsets and never need to
 * reset a group that has members.
 */
export async function commitGroupAtEnd(groupId: string): Promise<void> {
  const admin = testKafka('replicator-test-admin').admin();
  await admin.connect();
  try {
    for (const topic of [Topics.FamilySpecs, Topics.Builds, Topics.CatalogVersions]) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

export function familySpec(
  name: string,
  regions: string[],
  kmsKeys: Record<string, string> = {},
): FamilySpecInput {
  return {
    name,
    owner: 'platform-team',
    source: {
      ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    },
    build: { region: 'us-east-1' },
    distribution: { regions, kmsKeys },
  };
}

export interface Publisher {
  publish<T extends EventType>(type: T, data: PayloadOf<T>, key: string): Promise<string>;
  applySpec(spec: FamilySpecInput, specVersion?: number): Promise<void>;
  /** Publishes ami.build.succeeded for a version whose image is `imageId` in us-east-1. */
  built(family: string, version: string, imageId: string, specVersion?: number): Promise<void>;
  close(): Promise<void>;
}

export async function publisher(): Promise<Publisher> {
  const producer = testKafka('replicator-test').producer();
  await producer.connect();
  const publish = async <T extends EventType>(type: T, data: PayloadOf<T>, key: string) => {
    const event = createEnvelope(type, data, { source: sourceFor(type) });
    await producer.send({
      topic: EventCatalog[type].topic,
      messages: [{ key, value: JSON.stringify(event) }],
    });
    return event.id;
  };
  return {
    publish,
    async applySpec(input, specVersion = 1) {
      const result = validateFamilySpec(input);
      if (!result.ok) throw new Error(`bad test spec: ${JSON.stringify(result.problems)}`);
      await publish(
        FAMILY_SPEC_APPLIED,
        {
          family: result.spec.name,
          specVersion,
          digest: digestOf(result.spec),
          spec: result.spec,
          appliedBy: 'test',
        },
        result.spec.name,
      );
    },
    async built(family, version, imageId, specVersion = 1) {
      const now = new Date().toISOString();
      await publish(
        BUILD_SUCCEEDED,
        {
          buildId: crypto.randomUUID(),
          family,
          version,
          specVersion,
          recipeDigest: 'test',
          source: { imageId, region: 'us-east-1', description: 'test source', parent: null },
          image: {
            region: 'us-east-1',
            imageId,
            name: `ami-factory/${family}/${version}`,
            snapshotIds: [],
          },
          startedAt: now,
          finishedAt: now,
        },
        family,
      );
    },
    close: () => producer.disconnect(),
  };
}

/** The replicator's own tables, read as its role. */
export async function replicatorDb(): Promise<Client> {
  const env = testEnv();
  const db = new Client({
    host: env.db.host,
    port: env.db.port,
    database: env.db.database,
    user: 'replicator',
    password: process.env.REPLICATOR_DB_PASSWORD ?? 'replicator-local-dev',
  });
  await db.connect();
  return db;
}

export async function jobsOf(db: Client, family: string): Promise<any[]> {
  return (
    await db.query(
      'SELECT * FROM replicator.copy_jobs WHERE family = $1 ORDER BY region, version',
      [family],
    )
  ).rows;
}

export async function waitForJobs(
  db: Client,
  family: string,
  count: number,
  states: string[],
  timeoutMs = 60_000,
): Promise<any[]> {
  let jobs: any[] = [];
  await eventually(
    async () => {
      jobs = await jobsOf(db, family);
      return jobs.length === count && jobs.every((j) => states.includes(j.state));
    },
    timeoutMs,
    `${count} copy jobs of ${family} to be ${states.join('/')} (now: ${JSON.stringify(
      jobs.map((j) => [j.region, j.state, j.failure_reason]),
    )})`,
  );
  return jobs;
}

/**
 * Images of a version's name in a region owned by the account (default: the platform's),
 * through moto directly.
 */
export async function imagesNamed(
  region: string,
  name: string,
  account?: string,
): Promise<Image[]> {
  const ec2 = ec2Client(region);
  if (account)
    ec2.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers[MOTO_ACCOUNT_HEADER] =
          account;
        return next(args);
      },
      { step: 'build', name: 'motoAccountHeader' },
    );
  try {
    const out = await ec2.send(
      new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }),
    );
    return out.Images ?? [];
  } finally {
    ec2.destroy();
  }
}

export async function token(role: 'reader' | 'operator' | 'admin'): Promise<string> {
  return mintToken({
    subject: 'tester',
    roles: [role],
    secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
    expiresIn: 600,
  });
}

export interface ReplicatorHarness {
  app: INestApplication;
  fidelity: FidelityForTest;
  url: string;
  http(
    method: string,
    path: string,
    body?: unknown,
    role?: 'reader' | 'operator',
  ): Promise<{ status: number; body: any; type: string | null }>;
  /** Calls ami.replicator.v1.ReplicatorService with a token of the given role. */
  grpc(method: string, request: unknown, role?: 'reader' | 'operator'): Promise<any>;
  close(): Promise<void>;
}

/** The replicator in the test process, behind its own fidelity proxy (pending and throttling on). */
export async function startReplicator(
  options: { pendingMs?: number; env?: Record<string, string> } = {},
): Promise<ReplicatorHarness> {
  const fidelity = await startFidelityForTest({
    pendingMs: options.pendingMs ?? 1500,
    throttle: true,
  });
  const port = await freePort();
  const app = (await startServiceForTest(
    ReplicatorModule,
    { name: 'replicator', schema: 'replicator', consumeEvents: true },
    { ...FAST_REPLICATOR_ENV, AWS_ENDPOINT_URL: fidelity.url, ...options.env },
    configureReplicator,
  )) as NestFastifyApplication;
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const grpcPort = process.env.GRPC_PORT;
  return {
    app,
    fidelity,
    url,
    async http(method, path, body, role = 'operator') {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await token(role)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? JSON.parse(text) : null,
        type: res.headers.get('content-type'),
      };
    },
    async grpc(method, request, role = 'reader') {
      const root = fileURLToPath(new URL('../../../libs/contracts/proto', import.meta.url));
      const definition = protoLoader.loadSync(`${root}/ami/replicator/v1/replicator.proto`, {
        keepCase: false,
        longs: String,
        enums: String,
        defaults: true,
      });
      const Service = (grpc.loadPackageDefinition(definition) as any).ami.replicator.v1
        .ReplicatorService;
      const client = new Service(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${await token(role)}`);
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
      await app.close();
      await fidelity.close();
    },
  };
}
