import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { hash, MessageGenerator, Random } from './generate.js';

/**
 * The gRPC API fuzzer: for every unary RPC of every service's .proto (libs/contracts/proto,
 * plus grpc.health.v1), sends --cases generated requests: shaped and edge-valued messages
 * (empty, very long, NUL, unicode, lone surrogates, extreme numbers, enum numbers the enum
 * lacks, fields left out), random bytes as the message, and calls without a token or with an
 * invalid one. Seeded: the same --seed sends the same requests. Fails on
 *   - INTERNAL, UNKNOWN, UNIMPLEMENTED or DATA_LOSS (the gRPC equivalents of a 5xx),
 *   - anything but UNAUTHENTICATED without a valid token (public RPCs excepted),
 *   - an error without a message, no answer within --deadline-ms, an answer that does not decode.
 * grpc-js itself answers INTERNAL "Error deserializing request" to bytes that are not the
 * message: counted apart (undecodable), not a failure of the service.
 *
 *   node dist/tools/grpc-fuzz/main.js --target catalog=127.0.0.1:50051 [--target ...]
 *     [--cases 25] [--seed 20261201] [--token <jwt>] [--expired-token <jwt>] [--report out.json]
 *     [--only ResolveImage] [--case 17] [--verbose]
 * The valid token comes from --token or GRPC_FUZZ_TOKEN (an admin token: every RPC is open to it).
 */
const usage =
  'usage: grpc-fuzz --target <service>=<host:port> [--target ...] [--cases N] [--seed N] [--token JWT] [--expired-token JWT] [--report file] [--only RPC] [--case N] [--deadline-ms N] [--verbose]';
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        target: { type: 'string', multiple: true, default: [] as string[] },
        cases: { type: 'string', default: '25' },
        seed: { type: 'string', default: '20261201' },
        token: { type: 'string', default: process.env.GRPC_FUZZ_TOKEN },
        'expired-token': { type: 'string', default: process.env.GRPC_FUZZ_EXPIRED_TOKEN },
        report: { type: 'string' },
        only: { type: 'string' },
        case: { type: 'string' },
        'deadline-ms': { type: 'string', default: '10000' },
        public: { type: 'string', multiple: true, default: ['/grpc.health.v1.Health/Check'] },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
})();
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const CASES = Number(values.cases);
const SEED = Number(values.seed);
const DEADLINE_MS = Number(values['deadline-ms']);
const ONLY_CASE = values.case === undefined ? undefined : Number(values.case);
if (!values.token || values.target.length === 0 || !(CASES > 0) || !Number.isInteger(SEED)) {
  console.error(
    `${values.token ? '' : 'a token is required (--token or GRPC_FUZZ_TOKEN)\n'}${usage}`,
  );
  process.exit(2);
}
const TOKEN = values.token;

/** libs/contracts/proto, from dist/tools/grpc-fuzz or from tools/grpc-fuzz. */
function protoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const repo = here.includes('/dist/')
    ? here.slice(0, here.indexOf('/dist/'))
    : here.slice(0, here.indexOf('/tools/'));
  return `${repo}/libs/contracts/proto`;
}

/** The service's own .proto: ami/<name>/v1/<name>.proto (maintenance-scanner: ami/maintenance/...). */
function protoOf(root: string, service: string): string {
  for (const name of [service, service.split('-')[0]!]) {
    const path = `ami/${name}/v1/${name}.proto`;
    if (existsSync(`${root}/${path}`)) return path;
  }
  throw new Error(`${service}: no ami/${service}/v1/${service}.proto under ${root}`);
}

type CaseKind = 'no-token' | 'bad-token' | 'empty' | 'bytes' | 'shaped' | 'edge';
interface Rpc {
  path: string;
  method: protoLoader.MethodDefinition<object, object>;
}
interface Failure {
  rpc: string;
  check: string;
  code: number;
  status: string;
  message: string;
  case: number;
  kind: CaseKind;
  request: string;
  count: number;
}
interface ServiceTotals {
  service: string;
  rpcs: number;
  skipped: string[];
  cases: number;
  undecodable: number;
  /** How many answers of each status, e.g. { OK: 12, INVALID_ARGUMENT: 80, UNAUTHENTICATED: 30 }. */
  statuses: Record<string, number>;
  failures: Failure[];
}

const STATUS = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;
const SERVER_ERRORS = new Set([
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
  grpc.status.UNIMPLEMENTED,
  grpc.status.DATA_LOSS,
]);

/** Tokens that must be refused: not a JWT, a JWT whose signature is wrong, an expired one. */
function badTokens(): string[] {
  const [head, body, signature = ''] = TOKEN.split('.');
  const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
  return [
    `Bearer ${head}.${body}.${flipped}`,
    'Bearer not-a-token',
    ...(values['expired-token'] ? [`Bearer ${values['expired-token']}`] : []),
    `Basic ${Buffer.from('fuzz:fuzz').toString('base64')}`,
    'Bearer ',
  ];
}

/** The first cases of every RPC cover each kind once; the rest are drawn. */
function kindOf(index: number, random: Random): CaseKind {
  const fixed: CaseKind[] = ['no-token', 'bad-token', 'empty', 'bytes', 'bad-token'];
  if (index < fixed.length) return fixed[index]!;
  const r = random.next();
  return r < 0.05
    ? 'no-token'
    : r < 0.1
      ? 'bad-token'
      : r < 0.2
        ? 'bytes'
        : r < 0.45
          ? 'edge'
          : 'shaped';
}

const describeRequest = (kind: CaseKind, request: unknown): string => {
  const text =
    request instanceof Buffer
      ? `bytes:${request.toString('hex').slice(0, 120)}${request.length > 60 ? `… (${request.length} bytes)` : ''}`
      : JSON.stringify(request, (_k, v) =>
          typeof v === 'string' && v.length > 80
            ? `${v.slice(0, 20)}…(${v.length} chars)`
            : Buffer.isBuffer(v)
              ? `<${v.length} bytes>`
              : v,
        );
  return `${kind} ${text.length > 600 ? `${text.slice(0, 600)}…` : text}`;
};

/** Digits, ids and quoted values vary between cases of one failure: one entry per shape. */
const shapeOf = (message: string) =>
  message
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
    .replace(/"[^"]*"|'[^']*'/g, '<v>')
    .replace(/\d+/g, 'N')
    .slice(0, 200);

/**
 * The fully qualified name under which the package definition holds an RPC's request type (the
 * method's copy of the descriptor is not the same object): same name, the service's package first.
 */
function typeNameOf(
  definition: protoLoader.PackageDefinition,
  rpcPath: string,
  type: unknown,
): string {
  const name = (type as { type?: { name?: string } }).type?.name ?? '';
  const servicePackage = rpcPath.split('/')[1]!.replace(/\.[^.]+$/, '');
  const candidates = Object.keys(definition).filter(
    (key) => key === name || key.endsWith(`.${name}`),
  );
  return candidates.find((key) => key === `${servicePackage}.${name}`) ?? candidates[0] ?? '';
}

function call(
  client: grpc.Client,
  rpc: Rpc,
  payload: Buffer,
  authorization: string | undefined,
): Promise<{ code: number; details: string; answer?: Buffer }> {
  const metadata = new grpc.Metadata();
  if (authorization !== undefined) metadata.set('authorization', authorization);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      rpc.path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      payload,
      metadata,
      { deadline: Date.now() + DEADLINE_MS },
      (error: grpc.ServiceError | null, answer?: Buffer) =>
        resolve(
          error
            ? { code: error.code, details: error.details ?? '' }
            : { code: 0, details: '', answer },
        ),
    );
  });
}

async function fuzzService(service: string, address: string): Promise<ServiceTotals> {
  const root = protoRoot();
  const definition = protoLoader.loadSync([protoOf(root, service), 'grpc/health/v1/health.proto'], {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [root],
  });
  const generator = new MessageGenerator(definition);
  const totals: ServiceTotals = {
    service,
    rpcs: 0,
    skipped: [],
    cases: 0,
    undecodable: 0,
    statuses: {},
    failures: [],
  };
  const rpcs: Rpc[] = [];
  for (const entry of Object.values(definition)) {
    for (const method of Object.values(entry as Record<string, unknown>)) {
      const m = method as protoLoader.MethodDefinition<object, object>;
      if (typeof m?.path !== 'string') continue;
      if (m.requestStream || m.responseStream) totals.skipped.push(`${m.path} (streaming)`);
      else if (!values.only || m.path.endsWith(`/${values.only}`) || m.path === values.only)
        rpcs.push({ path: m.path, method: m });
    }
  }
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const unique = new Map<string, Failure>();
  const isPublic = new Set(values.public);
  const bad = badTokens();
  for (const rpc of rpcs) {
    totals.rpcs++;
    const random = new Random(hash(`${SEED}:${service}:${rpc.path}`));
    const requestType = typeNameOf(definition, rpc.path, rpc.method.requestType);
    for (let index = 0; index < CASES; index++) {
      // every case draws from the generator, replayed or not, so --case N sends what case N sent
      const kind = kindOf(index, random);
      const message =
        kind === 'empty'
          ? {}
          : generator.message(requestType, random, kind === 'edge' ? 'edge' : 'shaped');
      const bytes = random.bytes(
        1 + random.int(kind === 'bytes' && random.chance(0.2) ? 4000 : 40),
      );
      const badToken = random.pick(bad);
      if (ONLY_CASE !== undefined && index !== ONLY_CASE) continue;
      let payload: Buffer;
      if (kind === 'bytes') payload = bytes;
      else {
        try {
          payload = rpc.method.requestSerialize(message);
        } catch {
          payload = bytes; // a value the encoder refuses: send bytes instead
        }
      }
      const authorization =
        kind === 'no-token' ? undefined : kind === 'bad-token' ? badToken : `Bearer ${TOKEN}`;
      const answer = await call(client, rpc, payload, authorization);
      totals.cases++;
      const status = STATUS[answer.code] ?? String(answer.code);
      totals.statuses[status] = (totals.statuses[status] ?? 0) + 1;
      const problems: string[] = [];
      const unauthenticatedExpected =
        (kind === 'no-token' || kind === 'bad-token') && !isPublic.has(rpc.path);
      if (SERVER_ERRORS.has(answer.code)) {
        if (
          answer.code === grpc.status.INTERNAL &&
          kind === 'bytes' &&
          answer.details.startsWith('Error deserializing request')
        )
          totals.undecodable++;
        else problems.push(`answered ${STATUS[answer.code]}`);
      } else if (unauthenticatedExpected && answer.code !== grpc.status.UNAUTHENTICATED)
        problems.push(
          `answered ${STATUS[answer.code]} without a valid token (expected UNAUTHENTICATED)`,
        );
      if (answer.code === grpc.status.DEADLINE_EXCEEDED)
        problems.push(`no answer within ${DEADLINE_MS} ms`);
      if (answer.code !== 0 && !answer.details.trim()) problems.push('an error without a message');
      if (answer.code === 0 && answer.answer) {
        try {
          rpc.method.responseDeserialize(answer.answer);
        } catch (error) {
          problems.push(`an answer that does not decode (${(error as Error).message})`);
        }
      }
      if (values.verbose)
        console.log(
          `[grpc-fuzz ${service}] ${rpc.path} #${index} ${STATUS[answer.code]} ${answer.details.slice(0, 120)} <- ${describeRequest(kind, kind === 'bytes' ? bytes : message)}`,
        );
      for (const check of problems) {
        const key = `${rpc.path}|${check}|${shapeOf(answer.details)}`;
        const seen = unique.get(key);
        if (seen) seen.count++;
        else
          unique.set(key, {
            rpc: rpc.path,
            check,
            code: answer.code,
            status: STATUS[answer.code] ?? String(answer.code),
            message: answer.details,
            case: index,
            kind,
            request: describeRequest(kind, kind === 'bytes' ? bytes : message),
            count: 1,
          });
      }
    }
  }
  client.close();
  totals.failures = [...unique.values()];
  return totals;
}

const all: ServiceTotals[] = [];
let failed = false;
for (const target of values.target) {
  const [service, address] = target.split('=');
  if (!service || !address) {
    console.error(`--target ${target}: expected <service>=<host:port>\n${usage}`);
    process.exit(2);
  }
  const totals = await fuzzService(service, address);
  all.push(totals);
  for (const f of totals.failures) {
    failed = true;
    console.log(
      `[grpc-fuzz ${service}] FAIL ${f.rpc}: ${f.check}: ${f.status} "${f.message.slice(0, 300)}" (${f.count}x; first: case ${f.case})\n` +
        `[grpc-fuzz ${service}]   request: ${f.request}\n` +
        `[grpc-fuzz ${service}]   replay: node dist/tools/grpc-fuzz/main.js --target ${service}=<host:port> --seed ${SEED} --cases ${CASES} --only ${f.rpc.split('/').pop()} --case ${f.case} --verbose`,
    );
  }
}
if (values.report)
  writeFileSync(
    values.report,
    JSON.stringify({ seed: SEED, cases: CASES, services: all }, null, 2),
  );
for (const t of all) {
  const failures = t.failures.length;
  console.log(
    `[grpc-fuzz] ${t.service}: ${t.rpcs} RPCs, ${t.cases} cases, ${failures === 0 ? 'no failures' : `${failures} unique failures (${t.failures.reduce((n, f) => n + f.count, 0)} cases)`}` +
      `${t.undecodable ? `, ${t.undecodable} undecodable messages refused by grpc-js` : ''}${t.skipped.length ? `; skipped ${t.skipped.join(', ')}` : ''}` +
      ` [${Object.entries(t.statuses)
        .map(([status, n]) => `${status} ${n}`)
        .join(', ')}]`,
  );
}
process.exit(failed ? 1 : 0);
