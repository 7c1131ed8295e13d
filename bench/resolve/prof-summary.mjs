// Where a Node CPU profile (node --cpu-prof) spent its time: self time by package/area, and the
// functions with the most self and inclusive time. Percentages are of busy (non-idle) time.
//   node prof-summary.mjs <file.cpuprofile> [--top 25] [--from <us> --to <us>] [--label text]
// --from/--to keep the samples in a window of the profile's clock (CLOCK_MONOTONIC in
// microseconds, the clock of process.hrtime()), e.g. one measured run of run.sh.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '25' },
    from: { type: 'string' },
    to: { type: 'string' },
    label: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: node prof-summary.mjs <file.cpuprofile> [--top N] [--from us --to us]');
  process.exit(2);
}
const top = Number(o.top);
const from = o.from === undefined ? -Infinity : Number(o.from);
const to = o.to === undefined ? Infinity : Number(o.to);
if (Number.isNaN(from) || Number.isNaN(to)) throw new Error('--from and --to take microseconds');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function area(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native/builtin)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const libs = url.match(/\/dist\/libs\/([^/]+)\//);
  if (libs) return `@ami/${libs[1]}`;
  const apps = url.match(/\/dist\/apps\/([^/]+)\//);
  if (apps) return `app ${apps[1]}`;
  return url.replace(/^file:\/\//, '');
}
const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '')
    .replace(/.*\/dist\//, 'dist/');
const keyOf = (f) =>
  `${f.functionName || '(anonymous)'}  ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ''}`;

const self = new Map();
const inclusive = new Map();
const areas = new Map();
let idle = 0;
let busy = 0;
const { samples, timeDeltas } = profile;
let t = profile.startTime;
for (let i = 0; i < samples.length; i++) {
  t += timeDeltas[i];
  const dt = timeDeltas[i + 1] ?? 0;
  if (t < from || t > to) continue;
  const node = byId.get(samples[i]);
  const f = node.callFrame;
  if (f.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  busy += dt;
  const k = keyOf(f);
  self.set(k, (self.get(k) ?? 0) + dt);
  const a = area(f);
  areas.set(a, (areas.get(a) ?? 0) + dt);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const key = keyOf(byId.get(id).callFrame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
}
const total = busy + idle;
const pct = (x) => `${((100 * x) / busy).toFixed(1).padStart(5)}%`;
const list = (map, n) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `  ${pct(v)}  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`)
    .join('\n');
console.log(
  `CPU profile${o.label ? ` of ${o.label}` : ''}: ${file}\n  ${(total / 1e6).toFixed(1)} s profiled: ${(busy / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle; percentages are of busy time`,
);
console.log(`\nself time by area:\n${list(areas, 20)}`);
console.log(`\nfunctions by self time:\n${list(self, top)}`);
const skip = new Set(['(root)', '(program)']);
const inc = new Map([...inclusive.entries()].filter(([k]) => !skip.has(k.trim())));
console.log(`\nfunctions by inclusive time:\n${list(inc, top)}`);
