// A small closed-loop gRPC load generator: the fallback when ghz cannot be installed.
// <concurrency> calls in flight on one channel (one HTTP/2 connection, like ghz's default),
// requests cycled from a JSON array, for <seconds>; prints one JSON summary.
//
//   node grpc-load.mjs --target 127.0.0.1:50051 --proto <root>/ami/catalog/v1/catalog.proto \
//     --import-path <root> --call ami.catalog.v1.CatalogService.ResolveImage \
//     --data requests.json --concurrency 64 --seconds 10 [--out summary.json]
//   (BENCH_TOKEN: sent as "authorization: Bearer <token>" metadata)
//
// Single-threaded, so like wrk -t1 it takes at most one core. Latency is measured from just
// before the call is issued to its callback, in milliseconds.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const { values: o } = parseArgs({
  options: {
    target: { type: 'string' },
    proto: { type: 'string' },
    'import-path': { type: 'string' },
    call: { type: 'string', default: 'ami.catalog.v1.CatalogService.ResolveImage' },
    data: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
if (!o.target || !o.proto || !o.data) {
  console.error('usage: node grpc-load.mjs --target host:port --proto file --data file.json [...]');
  process.exit(2);
}

// proto-loader resolves the file against includeDirs: name it relative to the import path.
const importPath = o['import-path'] ? resolvePath(o['import-path']) : undefined;
const protoFile =
  importPath && !relative(importPath, resolvePath(o.proto)).startsWith('..')
    ? relative(importPath, resolvePath(o.proto))
    : resolvePath(o.proto);
const definition = protoLoader.loadSync(protoFile, {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  includeDirs: importPath ? [importPath] : [],
});
const parts = o.call.split('.');
const method = parts.pop();
const service = parts.reduce((node, key) => node?.[key], grpc.loadPackageDefinition(definition));
if (typeof service !== 'function') throw new Error(`no service ${parts.join('.')} in ${o.proto}`);
const methodName = method.charAt(0).toLowerCase() + method.slice(1);
const client = new service(o.target, grpc.credentials.createInsecure(), {
  'grpc.max_concurrent_streams': 1000,
});
if (typeof client[methodName] !== 'function') throw new Error(`no method ${method} on ${o.call}`);

const requests = JSON.parse(readFileSync(o.data, 'utf8'));
const metadata = new grpc.Metadata();
if (process.env.BENCH_TOKEN) metadata.set('authorization', `Bearer ${process.env.BENCH_TOKEN}`);
const concurrency = Number(o.concurrency);
const seconds = Number(o.seconds);

await new Promise((resolve, reject) =>
  client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())),
);

const latencies = [];
const errors = {};
let next = 0;
const started = performance.now();
const deadline = started + seconds * 1000;

function call(request) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    client[methodName](request, metadata, (error) => {
      if (error) {
        const code = grpc.status[error.code] ?? String(error.code);
        errors[code] = (errors[code] ?? 0) + 1;
      } else {
        latencies.push(performance.now() - t0);
      }
      resolve();
    });
  });
}

async function worker() {
  while (performance.now() < deadline) {
    const request = requests[next];
    next = (next + 1) % requests.length;
    await call(request);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (performance.now() - started) / 1000;
client.close();

latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length
    ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]
    : null;
const summary = {
  tool: 'grpc-load.mjs (@grpc/grpc-js)',
  requests: latencies.length,
  errors,
  duration_s: elapsed,
  rps: latencies.length / elapsed,
  latency_ms: {
    p50: pct(50),
    p75: pct(75),
    p90: pct(90),
    p99: pct(99),
    p999: pct(99.9),
    max: latencies.at(-1) ?? null,
  },
};
const text = JSON.stringify(summary);
if (o.out) writeFileSync(o.out, text);
console.log(text);
