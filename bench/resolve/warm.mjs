// Fills the catalog's resolve cache: one request per key over HTTP, <concurrency> in flight.
// Every answer must be 200; the first body is written to <body-out> (nginx serves it).
//   node warm.mjs <base-url> <paths.txt> <body-out> [concurrency]   (BENCH_TOKEN: bearer token)
import { readFileSync, writeFileSync } from 'node:fs';

const [base, pathsFile, bodyOut] = process.argv.slice(2);
const concurrency = Number(process.argv[5] ?? 32);
const token = process.env.BENCH_TOKEN;
const paths = readFileSync(pathsFile, 'utf8').split('\n').filter(Boolean);
const headers = token ? { authorization: `Bearer ${token}` } : {};

let next = 0;
let failures = 0;
let firstFailure;
const started = performance.now();
async function worker() {
  while (next < paths.length) {
    const path = paths[next++];
    const res = await fetch(base + path, { headers });
    const body = await res.text();
    if (res.status !== 200) {
      failures++;
      firstFailure ??= `${res.status} ${path}: ${body.slice(0, 300)}`;
    } else if (path === paths[0]) {
      writeFileSync(bodyOut, body);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
if (failures > 0) {
  console.error(`warm-up: ${failures} of ${paths.length} requests failed; first: ${firstFailure}`);
  process.exit(1);
}
console.log(
  `warmed ${paths.length} keys in ${seconds.toFixed(1)} s (${Math.round(paths.length / seconds)} req/s, cold)`,
);
