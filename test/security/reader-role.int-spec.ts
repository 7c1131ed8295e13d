import * as grpc from '@grpc/grpc-js';
import {
  callOperation,
  callRpc,
  type HttpOperation,
  isProblem,
  OPEN_PATHS,
  operationsOf,
  rpcsOf,
} from './operations.js';
import { type RunningService, SERVICES, startAllServices } from './services.js';
import { token } from './tokens.js';

/** Operations that change nothing although they are not GET: a batch of resolves. */
const READS_BY_POST = ['POST /v1/resolve/batch'];
/** RPCs that only read, by their names; every other RPC changes something. */
const READ_RPC = /^(Get|List|Resolve|BatchResolve|Check)/;

/**
 * A token holding only the reader role reads everything and changes nothing: every write of
 * every service's HTTP API is 403 problem+json, every write RPC PERMISSION_DENIED, while every
 * GET and read RPC is let through (its answer may be 404 or 400, never 401, 403 or a 5xx).
 */
describe('a reader can read everything and write nothing', () => {
  let services: RunningService[] = [];
  const operations = new Map<string, HttpOperation[]>();
  let reader: string;

  beforeAll(async () => {
    services = await startAllServices();
    for (const s of services) operations.set(s.name, await operationsOf(s.url));
    reader = `Bearer ${await token('reader')}`;
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.app.close()));
  });

  const service = (name: string) => services.find((s) => s.name === name)!;
  const names = SERVICES.map((s) => s.name);
  const isRead = (op: HttpOperation) =>
    op.method === 'GET' || READS_BY_POST.includes(`${op.method} ${op.template}`);

  it.each(names)('%s: every write operation is 403 problem+json for a reader', async (name) => {
    const s = service(name);
    const writes = operations.get(name)!.filter((op) => !isRead(op));
    expect(writes.length).toBeGreaterThan(2);
    const wrong: string[] = [];
    for (const op of writes) {
      const answer = await callOperation(s.url, op, reader);
      if (
        !isProblem(answer, 403) ||
        !/insufficient_scope/.test(answer.headers.get('www-authenticate') ?? '')
      )
        wrong.push(`${op.method} ${op.path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(names)('%s: every read operation is open to a reader', async (name) => {
    const s = service(name);
    const reads = operations
      .get(name)!
      .filter((op) => isRead(op) && !OPEN_PATHS.includes(op.template));
    expect(reads.length).toBeGreaterThan(1);
    const wrong: string[] = [];
    for (const op of reads) {
      const answer = await callOperation(s.url, op, reader);
      if ([401, 403].includes(answer.status) || answer.status >= 500)
        wrong.push(`${op.method} ${op.path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(names)(
    '%s: write RPCs are PERMISSION_DENIED for a reader, read RPCs are not',
    async (name) => {
      const s = service(name);
      const rpcs = rpcsOf(name);
      expect(rpcs.filter((r) => !READ_RPC.test(r.name)).length).toBeGreaterThan(0);
      const client = new grpc.Client(s.grpcAddress, grpc.credentials.createInsecure());
      const refused = [grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED];
      const serverErrors = [grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.UNIMPLEMENTED];
      const wrong: string[] = [];
      try {
        for (const rpc of rpcs) {
          const answer = await callRpc(client, rpc, reader);
          const ok = READ_RPC.test(rpc.name)
            ? !refused.includes(answer.code) && !serverErrors.includes(answer.code)
            : answer.code === grpc.status.PERMISSION_DENIED;
          if (!ok) wrong.push(`${rpc.path}: ${grpc.status[answer.code]} ${answer.details}`);
        }
      } finally {
        client.close();
      }
      expect(wrong).toEqual([]);
    },
  );
});
