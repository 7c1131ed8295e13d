import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken } from '@ami/auth';
import { createEnvelope, EventCatalog, EventType, PayloadOf } from '@ami/contracts';
import {
  freePort,
  LOCAL_AUTH_SECRET,
  sourceFor,
  startServiceForTest,
  testKafka,
} from '@ami/testing';
import { CatalogModule } from '../src/catalog.module.js';
import { configureCatalog } from '../src/configure-catalog.js';

export const SECRET = process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET;

export interface CatalogHarness {
  app: INestApplication;
  url: string;
  grpcUrl: string;
  token(role: 'reader' | 'operator' | 'admin', subject?: string): Promise<string>;
  http(
    method: string,
    path: string,
    options?: {
      role?: 'reader' | 'operator' | 'admin' | null;
      body?: unknown;
      contentType?: string;
    },
  ): Promise<{ status: number; body: any }>;
  grpcClient(): any;
  publish<T extends EventType>(type: T, data: PayloadOf<T>, key: string): Promise<string>;
  close(): Promise<void>;
}

/** The catalog service in this process, on free ports, against the real infrastructure. */
export async function startCatalog(): Promise<CatalogHarness> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const app = (await startServiceForTest(
    CatalogModule,
    { name: 'catalog', schema: 'catalog', consumeEvents: true },
    { AUTH_JWT_SECRET: SECRET, GRPC_PORT: String(grpcPort), HTTP_PORT: String(httpPort) },
    configureCatalog,
  )) as NestFastifyApplication;
  await app.listen(httpPort, '127.0.0.1');
  const url = `http://127.0.0.1:${httpPort}`;
  const kafka = testKafka('catalog-test');
  const producer = kafka.producer();
  await producer.connect();
  const clients: grpc.Client[] = [];
  const token = (role: 'reader' | 'operator' | 'admin', subject = `${role}-user`) =>
    mintToken({ subject, roles: [role], secret: SECRET, expiresIn: 3600 });
  return {
    app,
    url,
    grpcUrl: `127.0.0.1:${grpcPort}`,
    token,
    async http(method, path, options = {}) {
      const role = options.role === undefined ? 'admin' : options.role;
      const headers: Record<string, string> = {};
      if (role) headers.authorization = `Bearer ${await token(role)}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    grpcClient() {
      const root = fileURLToPath(new URL('../../../libs/contracts/proto', import.meta.url));
      const definition = protoLoader.loadSync(`${root}/ami/catalog/v1/catalog.proto`, {
        keepCase: false,
        longs: String,
        enums: String,
        defaults: true,
        includeDirs: [root],
      });
      const loaded = grpc.loadPackageDefinition(definition) as any;
      const client = new loaded.ami.catalog.v1.CatalogService(
        `127.0.0.1:${grpcPort}`,
        grpc.credentials.createInsecure(),
      );
      clients.push(client);
      return client;
    },
    async publish(type, data, key) {
      const event = createEnvelope(type, data, { source: sourceFor(type) });
      await producer.send({
        topic: EventCatalog[type].topic,
        messages: [{ key, value: JSON.stringify(event) }],
      });
      return event.id;
    },
    async close() {
      clients.forEach((c) => c.close());
      await producer.disconnect();
      await app.close();
    },
  };
}

/** Calls a unary gRPC method with a bearer token; resolves to { error, value }. */
export function grpcCall(
  client: any,
  method: string,
  request: unknown,
  token?: string,
): Promise<{ error: grpc.ServiceError | null; value: any }> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) =>
    client[method](request, metadata, (error: grpc.ServiceError | null, value: any) =>
      resolve({ error, value }),
    ),
  );
}
