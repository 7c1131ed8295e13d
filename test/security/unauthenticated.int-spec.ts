import * as grpc from '@grpc/grpc-js';
import {
  callOperation,
  callRpc,
  type HttpOperation,
  isProblem,
  OPEN_PATHS,
  OPEN_RPCS,
  operationsOf,
  rpcsOf,
} from './operations.js';
import { type RunningService, SERVICES, startAllServices } from './services.js';
import { refusedAuthorizations, token } from './tokens.js';

/**
 * Every HTTP operation of every service's OpenAPI document, and every RPC of its .proto, refuses
 * a caller without a valid token (401 problem+json, gRPC UNAUTHENTICATED) — except the health
 * probes and the metrics scrape, which answer anyone.
 */
describe('without a valid token, nothing but health and metrics answers', () => {
  let services: RunningService[] = [];
  const operations = new Map<string, HttpOperation[]>();
  let refused: Array<[string, string]>;

  beforeAll(async () => {
    services = await startAllServices();
    for (const s of services) operations.set(s.name, await operationsOf(s.url));
    refused = await refusedAuthorizations();
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.app.close()));
  });

  const service = (name: string) => services.find((s) => s.name === name)!;
  const names = SERVICES.map((s) => s.name);

  it.each(names)('%s: the document marks exactly health and metrics as open', (name) => {
    const ops = operations.get(name)!;
    expect(
      ops
        .filter((o) => o.documentedPublic)
        .map((o) => o.template)
        .sort(),
    ).toEqual([...OPEN_PATHS].sort());
  });

  it.each(names)(
    '%s: every operation but health and metrics answers 401 problem+json without a token',
    async (name) => {
      const s = service(name);
      const ops = operations.get(name)!;
      const guarded = ops.filter((o) => !OPEN_PATHS.includes(o.template));
      expect(guarded.length).toBeGreaterThan(3);
      const wrong: string[] = [];
      for (const op of guarded) {
        const answer = await callOperation(s.url, op);
        if (!isProblem(answer, 401) || answer.headers.get('www-authenticate') !== 'Bearer')
          wrong.push(
            `${op.method} ${op.path}: ${answer.status} ${answer.type} ${JSON.stringify(answer.body)}`,
          );
      }
      expect(wrong).toEqual([]);
      for (const path of OPEN_PATHS) {
        const open = ops.find((o) => o.template === path && o.method === 'GET');
        expect(open, `${name} documents GET ${path}`).toBeDefined();
        const answer = await callOperation(s.url, open!);
        expect([path, answer.status]).toEqual([path, 200]);
      }
    },
  );

  it.each(names)(
    '%s: a malformed, expired, forged or unsigned token is 401 on every guarded operation',
    async (name) => {
      const s = service(name);
      const guarded = operations.get(name)!.filter((o) => !OPEN_PATHS.includes(o.template));
      const wrong: string[] = [];
      for (const op of guarded) {
        for (const [what, authorization] of refused) {
          const answer = await callOperation(s.url, op, authorization);
          if (!isProblem(answer, 401))
            wrong.push(
              `${op.method} ${op.path} with ${what}: ${answer.status} ${JSON.stringify(answer.body)}`,
            );
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it.each(names)(
    '%s: a valid token in the query string is not accepted, nor echoed',
    async (name) => {
      const s = service(name);
      const admin = await token('admin');
      const guarded = operations
        .get(name)!
        .find((o) => o.method === 'GET' && !OPEN_PATHS.includes(o.template))!;
      const answer = await callOperation(s.url, {
        ...guarded,
        path: `${guarded.path}?access_token=${admin}`,
      });
      expect(isProblem(answer, 401)).toBe(true);
      expect(JSON.stringify(answer.body)).not.toContain(admin);
      expect(answer.body.instance).toContain('access_token=[redacted]');
    },
  );

  it.each(names)(
    '%s: every RPC but the health check is UNAUTHENTICATED without a valid token',
    async (name) => {
      const s = service(name);
      const rpcs = rpcsOf(name);
      expect(rpcs.filter((r) => !OPEN_RPCS.includes(r.path)).length).toBeGreaterThan(2);
      const client = new grpc.Client(s.grpcAddress, grpc.credentials.createInsecure());
      const wrong: string[] = [];
      try {
        for (const rpc of rpcs) {
          if (OPEN_RPCS.includes(rpc.path)) {
            const answer = await callRpc(client, rpc);
            if (answer.code !== grpc.status.OK)
              wrong.push(`${rpc.path} (open): ${answer.code} ${answer.details}`);
            continue;
          }
          for (const [what, authorization] of [['no metadata', undefined], ...refused] as const) {
            const answer = await callRpc(client, rpc, authorization);
            if (answer.code !== grpc.status.UNAUTHENTICATED)
              wrong.push(`${rpc.path} with ${what}: ${grpc.status[answer.code]} ${answer.details}`);
          }
        }
      } finally {
        client.close();
      }
      expect(wrong).toEqual([]);
    },
  );
});
