// One markdown table of every benchmark's figures against the baseline measured in the same
// run, from the JSON each benchmark wrote in bench/results/ during this run (bench/run.sh).
//   node bench/summary.mjs <results dir> <out.md>
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { execSync } from 'node:child_process';

const [dir, out] = process.argv.slice(2);
const since = Number(process.env.BENCH_STARTED_EPOCH ?? 0) * 1000;
const quick = process.env.BENCH_QUICK === '1';
const only = (process.env.BENCH_ONLY ?? '').split(',');

/** A benchmark's JSON if it was written during this run. */
function fresh(name) {
  const path = `${dir}/${name}.json`;
  if (!existsSync(path) || statSync(path).mtimeMs < since - 1000) return undefined;
  return JSON.parse(readFileSync(path, 'utf8'));
}
const runs = Object.fromEntries(
  (existsSync(`${dir}/logs/runs.txt`) ? readFileSync(`${dir}/logs/runs.txt`, 'utf8') : '')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
    .map(([name, seconds, rc]) => [name, { seconds: Number(seconds), rc: Number(rc) }]),
);
const n = (v, digits = 0) =>
  v === undefined || v === null || Number.isNaN(v)
    ? 'n/a'
    : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits });
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : 'n/a');
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'not met');

const rows = [];
const row = (benchmark, figure, value, baseline, r, target, ok) =>
  rows.push([benchmark, figure, value, baseline, r, target, verdict(ok)]);
const missing = (name) => {
  const run = runs[name];
  const why = !run
    ? 'not run'
    : run.rc !== 0
      ? `failed (exit ${run.rc}), see logs/${name}.log`
      : 'no results written';
  row(name, why, '', '', '', '', undefined);
};

if (only.includes('resolve')) {
  const r = fresh('resolve');
  const t = r?.targets ?? {};
  if (t.catalog_http && t.nginx) {
    const x = t.catalog_http.rps / t.nginx.rps;
    row(
      'resolve HTTP (JWT, cached)',
      'req/s; p99',
      `${n(t.catalog_http.rps)}; p99 ${t.catalog_http.p99_ms} ms`,
      `nginx static ${n(t.nginx.rps)}; p99 ${t.nginx.p99_ms} ms`,
      x.toFixed(2),
      '>= 0.6, p99 < 5 ms',
      x >= 0.6 && t.catalog_http.p99_ms < 5,
    );
  }
  if (t.catalog_grpc && t.grpcjs_bare) {
    const x = t.catalog_grpc.rps / t.grpcjs_bare.rps;
    row(
      'resolve gRPC ResolveImage',
      'calls/s; p99',
      `${n(t.catalog_grpc.rps)}; p99 ${t.catalog_grpc.p99_ms} ms`,
      `bare grpc-js ${n(t.grpcjs_bare.rps)}; p99 ${t.grpcjs_bare.p99_ms} ms`,
      x.toFixed(2),
      '>= 0.9, p99 < 10 ms',
      x >= 0.9 && t.catalog_grpc.p99_ms < 10,
    );
    row(
      'resolve gRPC ResolveImage',
      'server CPU per call',
      `${t.catalog_grpc.server_cpu_us_per_request} us`,
      `${t.grpcjs_bare.server_cpu_us_per_request} us`,
      ratio(t.grpcjs_bare.server_cpu_us_per_request, t.catalog_grpc.server_cpu_us_per_request),
      '',
      undefined,
    );
  }
  if (t.catalog_grpc_paced) {
    const p = t.catalog_grpc_paced;
    row(
      'resolve gRPC ResolveImage',
      `p99 paced at ${n(r.grpc_paced_rps)} calls/s`,
      `p99 ${p.p99_ms} ms (${n(p.rps)} calls/s)`,
      t.grpcjs_bare_paced ? `bare grpc-js p99 ${t.grpcjs_bare_paced.p99_ms} ms` : '',
      '',
      'p99 < 10 ms',
      p.p99_ms < 10,
    );
  }
  if (!t.catalog_http) missing('resolve');
}
if (only.includes('events')) {
  const e = fresh('event-path');
  if (e) {
    row(
      'event path (outbox -> relay -> inbox)',
      'events/s',
      n(e.outboxInboxEventsPerSecond),
      `bare kafkajs ${n(e.bareKafkaEventsPerSecond)}`,
      e.ratio.toFixed(2),
      '>= 0.5',
      e.ratio >= 0.5,
    );
    if (e.withRowEffect)
      row(
        'event path, one INSERT per event as the effect',
        'events/s',
        n(e.withRowEffect.eventsPerSecond),
        `bare kafkajs ${n(e.bareKafkaEventsPerSecond)}`,
        e.withRowEffect.ratio.toFixed(2),
        '',
        undefined,
      );
    if (e.outboxWriteEventsPerSecond)
      row(
        'event path',
        'outbox write (500 rows a statement)',
        `${n(e.outboxWriteEventsPerSecond)} events/s`,
        '',
        '',
        '',
        undefined,
      );
    const l = e.latencyAtRate;
    row(
      'event path',
      `commit -> effect at ${l.rate}/s`,
      `p50 ${n(l.p50, 1)} ms, p99 ${n(l.p99, 1)} ms`,
      e.bareLatencyAtRate
        ? `bare kafkajs send -> receive p50 ${n(e.bareLatencyAtRate.p50, 1)} ms, p99 ${n(e.bareLatencyAtRate.p99, 1)} ms`
        : '',
      e.bareLatencyAtRate ? ratio(l.p99, e.bareLatencyAtRate.p99) : '',
      'p99 < 100 ms',
      l.p99 < 100,
    );
    const lost = (e.throughputRun?.lost ?? 0) + (e.withRowEffect?.lost ?? 0) + (l.lost ?? 0);
    const dup =
      (e.throughputRun?.duplicated ?? 0) + (e.withRowEffect?.duplicated ?? 0) + (l.duplicated ?? 0);
    row(
      'event path',
      'lost / duplicated',
      `${lost} / ${dup}`,
      `${e.events * (e.withRowEffect ? 2 : 1) + l.count} events`,
      '',
      '0 / 0',
      lost === 0 && dup === 0,
    );
  } else missing('events');
}
if (only.includes('builds')) {
  const b = fresh('builds');
  if (b) {
    row(
      `builder EC2 economy (${b.concurrent.builds} builds at once)`,
      'EC2 calls per build',
      n(b.concurrent.callsPerBuild, 2),
      `one build alone: ${b.oneBuild.total}`,
      ratio(b.concurrent.callsPerBuild, b.oneBuild.total),
      '<= 1 (polling shared)',
      b.concurrent.callsPerBuild <= b.oneBuild.total,
    );
    row(
      'builder EC2 economy',
      'DescribeImages per build',
      n(b.concurrent.describeImagesPerBuild, 2),
      `one build alone: ${b.oneBuild.callsByAction.DescribeImages ?? 0}`,
      '',
      '',
      undefined,
    );
  } else missing('builds');
}
if (only.includes('copies')) {
  const c = fresh('copies');
  if (c) {
    row(
      `copy fan-out (1 version -> ${c.fanout.regions} regions)`,
      'wall s',
      n(c.fanout.seconds, 1),
      `floor ${n(c.fanout.floorSeconds, 1)} s`,
      c.fanout.ratioToFloor.toFixed(2),
      '<= 1.1',
      c.fanout.ratioToFloor <= 1.1,
    );
    row(
      `copies (${c.oneRegion.versions} versions -> 1 region)`,
      'wall s',
      n(c.oneRegion.seconds, 1),
      `floor ${n(c.oneRegion.floorSeconds, 1)} s`,
      c.oneRegion.ratioToFloor.toFixed(2),
      '<= 1.1',
      c.oneRegion.ratioToFloor <= 1.1,
    );
  } else missing('copies');
}
if (only.includes('reconcile')) {
  const r = fresh('reconcile');
  if (r) {
    row(
      `reconcile (${r.copies} copies)`,
      'wall s; calls/copy',
      `${n(r.seconds, 1)}; ${r.callsPerCopy}`,
      `floor ${n(r.floorSeconds, 1)} s`,
      r.ratioToFloor.toFixed(2),
      '<= 1.1',
      r.ratioToFloor <= 1.1,
    );
  } else missing('reconcile');
}
if (only.includes('retention')) {
  const r = fresh('retention');
  if (r) {
    for (const run of Object.values(r.scanner ?? {})) {
      const naive = r.naive ?? {};
      row(
        `retention scan (${n(r.images)} AMIs, ${run.run})`,
        'EC2 calls/image; wall s',
        `${run.callsPerImage}; ${run.seconds} s`,
        `naive 1 call/id: ${naive.callsPerImage ?? 1}; ~${naive.extrapolatedSeconds ?? 'n/a'} s`,
        ratio(run.seconds, naive.extrapolatedSeconds),
        '<= 0.001 calls/image',
        run.callsPerImage <= 0.001,
      );
    }
    for (const run of r.c7n && 'cold' in r.c7n ? [r.c7n.cold, r.c7n.warm] : []) {
      const mine = r.scanner?.[run.run];
      row(
        `retention scan vs Cloud Custodian (${run.run})`,
        'wall s',
        `${mine?.seconds} s`,
        `c7n ${run.seconds} s`,
        ratio(mine?.seconds, run.seconds),
        '< 1 (faster)',
        mine && mine.seconds < run.seconds,
      );
    }
  } else missing('retention');
}

const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'n/a';
  }
};
const load = (f) =>
  existsSync(`${dir}/logs/${f}`) ? readFileSync(`${dir}/logs/${f}`, 'utf8').trim() : 'n/a';
const header = ['benchmark', 'figure', 'measured', 'baseline (same run)', 'ratio', 'target', ''];
const esc = (cell) => String(cell).replace(/\|/g, '\\|');
const lines = [
  `# Benchmarks${quick ? ' (quick: smaller sizes, a few seconds each; figures indicative only)' : ''}`,
  '',
  `- when: ${process.env.BENCH_STARTED ?? new Date().toISOString()}; command: \`npm run bench${quick ? ' -- --quick' : ''}\``,
  `- machine: ${sh('nproc')} CPUs, ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${process.version}`,
  `- load average (1/5/15 min): before ${load('loadavg.before')}, after ${load('loadavg.after')}`,
  `- git: ${sh('git rev-parse --short HEAD')}${sh('git status --porcelain --untracked-files=no') ? ' (working tree has changes)' : ''}`,
  '',
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  '',
  'Ratios are against the baseline measured in the same run on the same machine; targets are',
  "reported, never asserted (bench/README.md). Each benchmark's own JSON is",
  'beside this file; their output is in bench/results/logs/.',
  '',
  `Run times: ${
    Object.entries(runs)
      .map(([k, v]) => `${k} ${v.seconds} s`)
      .join(', ') || 'n/a'
  }`,
  '',
];
writeFileSync(out, lines.join('\n'));
