import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** One HTTP operation of a service's OpenAPI document, with its path filled in. */
export interface HttpOperation {
  method: string;
  /** The document's template, e.g. /v1/families/{family}. */
  template: string;
  /** The template with a plausible value in each path parameter. */
  path: string;
  hasBody: boolean;
  /** The document's own claim: `security: []`. */
  documentedPublic: boolean;
}

/** Endpoints the platform answers without a token: probes and the metrics scrape. */
export const OPEN_PATHS = ['/health', '/health/live', '/health/ready', '/metrics'];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation of the document the service serves at GET /openapi.json. */
export async function operationsOf(baseUrl: string): Promise<HttpOperation[]> {
  const res = await fetch(`${baseUrl}/openapi.json`);
  if (res.status !== 200) throw new Error(`${baseUrl}/openapi.json answered ${res.status}`);
  const document = (await res.json()) as { paths: Record<string, Record<string, any>> };
  const operations: HttpOperation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const params: any[] = [...(item.parameters ?? []), ...(operation.parameters ?? [])];
      const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        const param = params.find((p) => p.in === 'path' && p.name === name);
        return encodeURIComponent(plausible(name, param?.schema ?? {}));
      });
      operations.push({
        method: method.toUpperCase(),
        template,
        path,
        hasBody: operation.requestBody !== undefined,
        documentedPublic: Array.isArray(operation.security) && operation.security.length === 0,
      });
    }
  }
  return operations;
}

/** A value the parameter's schema accepts: its example, else one by format, type or name. */
function plausible(
  name: string,
  schema: { example?: unknown; format?: string; type?: string; pattern?: string },
): string {
  const candidates = [
    schema.example,
    schema.format === 'uuid' ? randomUUID() : undefined,
    schema.type === 'integer' ? '1' : undefined,
    /version/i.test(name) ? '2026.11.27-1' : undefined,
    /family/i.test(name) ? 'web-base' : undefined,
    /channel/i.test(name) ? 'prod' : undefined,
    'sample-1',
  ]
    .filter((v) => v !== undefined)
    .map(String);
  const fits = (v: string) => !schema.pattern || new RegExp(schema.pattern).test(v);
  const value = candidates.find(fits);
  if (value === undefined) throw new Error(`no plausible value for path parameter ${name}`);
  return value;
}

export interface Answer {
  status: number;
  type: string;
  body: any;
  headers: Headers;
}

/** Calls one operation; a JSON body `{}` where the operation takes one. */
export async function callOperation(
  baseUrl: string,
  operation: HttpOperation,
  authorization?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (operation.hasBody) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${operation.path}`, {
    method: operation.method,
    headers,
    body: operation.hasBody ? '{}' : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // metrics are text
  }
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body,
    headers: res.headers,
  };
}

/** True when the answer is an RFC 9457 problem with the given status. */
export function isProblem(answer: Answer, status: number): boolean {
  return (
    answer.status === status &&
    answer.type.startsWith('application/problem+json') &&
    answer.body?.status === status &&
    typeof answer.body?.title === 'string' &&
    typeof answer.body?.detail === 'string'
  );
}

const PROTO_ROOT = fileURLToPath(new URL('../../libs/contracts/proto', import.meta.url));

/** The service's own .proto (maintenance-scanner's is ami/maintenance/...). */
const PROTOS: Record<string, string> = {
  catalog: 'ami/catalog/v1/catalog.proto',
  builder: 'ami/builder/v1/builder.proto',
  replicator: 'ami/replicator/v1/replicator.proto',
  permissions: 'ami/permissions/v1/permissions.proto',
  'maintenance-scanner': 'ami/maintenance/v1/maintenance.proto',
};

export interface Rpc {
  /** /ami.catalog.v1.CatalogService/ResolveImage */
  path: string;
  name: string;
  serialize(message: object): Buffer;
}

/** Every unary RPC of the service's .proto and of grpc.health.v1, as the server loads them. */
export function rpcsOf(service: string): Rpc[] {
  const definition = protoLoader.loadSync([PROTOS[service]!, 'grpc/health/v1/health.proto'], {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    includeDirs: [PROTO_ROOT],
  });
  const rpcs: Rpc[] = [];
  for (const entry of Object.values(definition)) {
    for (const method of Object.values(entry as Record<string, any>)) {
      if (typeof method?.path !== 'string' || method.requestStream || method.responseStream)
        continue;
      rpcs.push({
        path: method.path,
        name: method.path.split('/').pop(),
        serialize: (message) => method.requestSerialize(message),
      });
    }
  }
  return rpcs;
}

/** RPCs open without a token: the standard health check. */
export const OPEN_RPCS = ['/grpc.health.v1.Health/Check'];

/** Calls a unary RPC with an empty message; resolves to its status code and details. */
export function callRpc(
  client: grpc.Client,
  rpc: Rpc,
  authorization?: string,
): Promise<{ code: number; details: string }> {
  const metadata = new grpc.Metadata();
  if (authorization !== undefined) metadata.set('authorization', authorization);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      rpc.path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      rpc.serialize({}),
      metadata,
      { deadline: Date.now() + 10_000 },
      (error: grpc.ServiceError | null) =>
        resolve(
          error ? { code: error.code, details: error.details ?? '' } : { code: 0, details: '' },
        ),
    );
  });
}
