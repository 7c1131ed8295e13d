import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { mintToken } from '@ami/auth';
import {
  BUILD_SUCCEEDED,
  CHANNEL_MOVED,
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
  collect,
  FidelityForTest,
  freePort,
  LOCAL_AUTH_SECRET,
  sourceFor,
  startFidelityForTest,
  startServiceForTest,
  testEnv,
  testKafka,
} from '@ami/testing';
import { configureMaintenanceScanner } from '../src/configure-maintenance-scanner.js';
import { MaintenanceScannerModule } from '../src/maintenance-scanner.module.js';

export const AL2023_PARAMETER =
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** Scanner settings that make tests quick: fast ticks, short leases and backoffs. */
export const FAST_SCANNER_ENV = {
  SCAN_WORKER_INTERVAL_MS: '100',
  SCAN_LEASE_MS: '5000',
  REBUILD_RETRY_BASE_MS: '200',
  REBUILD_RETRY_MAX_MS: '1000',
  REBUILD_MAX_FAILURES: '3',
  EC2_RETRY_MAX_ATTEMPTS: '3',
  EC2_RETRY_BASE_MS: '50',
};

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Writes an SSM parameter straight in moto (a source that moves). */
export async function putParameter(name: string, value: string, region = 'us-east-1') {
  const ssm = new SSMClient({ region, endpoint: testEnv().motoUrl, credentials });
  try {
    await ssm.send(
      new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }),
    );
  } finally {
    ssm.destroy();
  }
}

export interface Facts {
  publish<T extends EventType>(
    type: T,
    data: PayloadOf<T>,
    key: string,
    causedBy?: string,
  ): Promise<string>;
  applySpec(spec: FamilySpecInput, specVersion?: number): Promise<void>;
  /** ami.build.succeeded of a version built in us-east-1 from `sourceImageId`, `daysAgo` days ago. */
  built(
    family: string,
    version: string,
    options: {
      sourceImageId: string;
      imageId?: string;
      daysAgo?: number;
      parent?: { family: string; version: string };
      causedBy?: string;
    },
  ): Promise<void>;
  moved(family: string, channel: string, version: string, sequence: number): Promise<void>;
  close(): Promise<void>;
}

/** A producer of the other services' facts, each with the source its topic's owner uses. */
export async function facts(): Promise<Facts> {
  const producer = testKafka('scanner-test').producer();
  await producer.connect();
  const publish: Facts['publish'] = async (type, data, key, causedBy) => {
    const event = createEnvelope(type, data, {
      source: sourceFor(type),
      ...(causedBy && { causedBy: { id: causedBy, correlationid: causedBy } }),
    });
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
    async built(family, version, o) {
      const finished = new Date(Date.now() - (o.daysAgo ?? 0) * 86_400_000).toISOString();
      const imageId = o.imageId ?? `ami-${Math.random().toString(16).slice(2, 12).padEnd(10, '0')}`;
      await publish(
        BUILD_SUCCEEDED,
        {
          buildId: crypto.randomUUID(),
          family,
          version,
          specVersion: 1,
          recipeDigest: 'test',
          source: {
            imageId: o.sourceImageId,
            region: 'us-east-1',
            description: 'test source',
            parent: o.parent ?? null,
          },
          image: {
            region: 'us-east-1',
            imageId,
            name: `ami-factory/${family}/${version}`,
            snapshotIds: [],
          },
          startedAt: finished,
          finishedAt: finished,
        },
        family,
        o.causedBy,
      );
    },
    async moved(family, channel, version, sequence) {
      await publish(
        CHANNEL_MOVED,
        {
          family,
          channel,
          version,
          previousVersion: null,
          movement: 'promote',
          movedBy: 'test',
          forced: false,
          sequence,
        },
        family,
      );
    },
    close: () => producer.disconnect(),
  };
}

/** Rebuild requests as they arrive on ami.rebuild-requests.v1, by family. */
export async function rebuildRequests() {
  const collector = await collect(testKafka('scanner-test-requests'), [Topics.RebuildRequests]);
  const of = (family: string) =>
    collector.messages
      .map((m) => JSON.parse(m.message.value!.toString()))
      .filter((e) => e.data.family === family);
  return { of, collector, stop: () => collector.stop() };
}

export async function scannerDb(): Promise<Client> {
  const env = testEnv();
  const db = new Client({
    host: env.db.host,
    port: env.db.port,
    database: env.db.database,
    user: 'maintenance_scanner',
    password: process.env.MAINTENANCE_SCANNER_DB_PASSWORD ?? 'maintenance_scanner-local-dev',
  });
  await db.connect();
  return db;
}

export interface ScannerHarness {
  app: INestApplication;
  /** The HTTP API's base URL. */
  url: string;
  fidelity: FidelityForTest;
  http(
    method: string,
    path: string,
    body?: unknown,
    role?: 'reader' | 'operator' | 'admin',
  ): Promise<{ status: number; body: any }>;
  /** Calls ami.maintenance.v1.MaintenanceService with a token of the given role. */
  grpc(method: string, request: unknown, role?: 'reader' | 'operator'): Promise<any>;
  close(): Promise<void>;
}

/** The scanner in the test process, behind its own fidelity proxy. */
export async function startScanner(env: Record<string, string> = {}): Promise<ScannerHarness> {
  const fidelity = await startFidelityForTest({ throttle: true });
  const port = await freePort();
  const app = (await startServiceForTest(
    MaintenanceScannerModule,
    { name: 'maintenance-scanner', schema: 'maintenance_scanner', consumeEvents: true },
    { ...FAST_SCANNER_ENV, AWS_ENDPOINT_URL: fidelity.url, ...env },
    configureMaintenanceScanner,
  )) as NestFastifyApplication;
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const grpcPort = process.env.GRPC_PORT;
  const tokenFor = (role: 'reader' | 'operator' | 'admin') =>
    mintToken({
      subject: 'tester',
      roles: [role],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
  return {
    app,
    url,
    fidelity,
    async grpc(method, request, role = 'reader') {
      const root = fileURLToPath(new URL('../../../libs/contracts/proto', import.meta.url));
      const definition = protoLoader.loadSync(`${root}/ami/maintenance/v1/maintenance.proto`, {
        keepCase: false,
        longs: String,
        enums: String,
        defaults: true,
      });
      const Service = (grpc.loadPackageDefinition(definition) as any).ami.maintenance.v1
        .MaintenanceService;
      const client = new Service(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${await tokenFor(role)}`);
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
    async http(method, path, body, role = 'operator') {
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
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await app.close();
      await fidelity.close();
    },
  };
}
