// Turns the raw outputs of one bench/resolve/run.sh run into a table (stdout) and a JSON file.
//   node report.mjs <workdir> <out.json>
// <workdir> holds, per round k and target t: t.rk.wrk.txt (wrk + resolve.lua), t.rk.ghz.json
// (ghz --format json) or t.rk.node.json (grpc-load.mjs), and t.rk.cpu (server CPU ticks over
// the measured run); plus body.json (the answer nginx serves) and loadavg.before.
// Settings come from the BENCH_* variables run.sh exports. Goals are reported, never asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname, join } from 'node:path';

const [workdir, outFile] = process.argv.slice(2);
if (!workdir || !outFile) {
  console.error('usage: node report.mjs <workdir> <out.json>');
  process.exit(2);
}
const env = process.env;
/** The targets (reported, never asserted): HTTP against nginx, gRPC against the bare grpc-js server. */
const GOALS = {
  catalog_http: { against: 'nginx', ratio: 0.6, p99_ms: 5 },
  catalog_grpc: { against: 'bare grpc-js', ratio: 0.9, p99_ms: 10 },
};
const LABELS = {
  nginx: 'nginx static (1 worker)',
  catalog_http: 'catalog HTTP resolve',
  catalog_http_live: 'catalog HTTP /health/live',
  catalog_grpc: 'catalog gRPC ResolveImage',
  grpcjs_bare: 'bare grpc-js ResolveImage',
  catalog_grpc_paced: 'catalog gRPC ResolveImage, paced',
  grpcjs_bare_paced: 'bare grpc-js ResolveImage, paced',
};
const CLK_TCK = Number(env.BENCH_CLK_TCK || 100);

const round2 = (x) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** A command's output (stdout, else stderr: nginx -v and wrk -v print there), or null. */
const sh = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return null;
  return r.stdout.trim() || r.stderr.trim() || null;
};

/** One measured run, normalised: rps of successful answers, latency in ms, errors by kind. */
function parseRun(base) {
  let run;
  if (existsSync(`${base}.wrk.txt`)) {
    const text = readFileSync(`${base}.wrk.txt`, 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`no BENCH_RESULT line in ${base}.wrk.txt:\n${text}`);
    const r = JSON.parse(line.slice('BENCH_RESULT '.length));
    const seconds = r.duration_us / 1e6;
    const failed = r.errors.status;
    const socket = r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
    run = {
      tool: 'wrk',
      requests: r.requests,
      ok: r.requests - failed,
      seconds,
      rps: (r.requests - failed) / seconds,
      latency_ms: {
        p50: r.latency_us.p50 / 1000,
        p75: r.latency_us.p75 / 1000,
        p90: r.latency_us.p90 / 1000,
        p99: r.latency_us.p99 / 1000,
        p999: r.latency_us.p999 / 1000,
        max: r.latency_us.max / 1000,
      },
      errors: { ...(failed ? { non_2xx: failed } : {}), ...(socket ? { socket: r.errors } : {}) },
      mb_per_s: r.bytes / seconds / 1e6,
    };
  } else if (existsSync(`${base}.ghz.json`)) {
    const r = JSON.parse(readFileSync(`${base}.ghz.json`, 'utf8'));
    const seconds = r.total / 1e9;
    const ok = r.statusCodeDistribution?.OK ?? 0;
    const pct = (p) => {
      const d = (r.latencyDistribution ?? []).find((x) => x.percentage === p);
      return d ? d.latency / 1e6 : null;
    };
    // ghz -z cancels the calls in flight when the time is up: those are not failures.
    const errors = {};
    let cut = 0;
    for (const [message, count] of Object.entries(r.errorDistribution ?? {})) {
      if (
        /closed network connection|context canceled|client connection is closing|transport is closing/i.test(
          message,
        )
      )
        cut += count;
      else errors[message] = count;
    }
    run = {
      tool: 'ghz',
      requests: r.count,
      ok,
      seconds,
      rps: ok / seconds,
      latency_ms: { p50: pct(50), p75: pct(75), p90: pct(90), p99: pct(99), max: r.slowest / 1e6 },
      errors,
      cut_at_end: cut,
    };
  } else if (existsSync(`${base}.node.json`)) {
    const r = JSON.parse(readFileSync(`${base}.node.json`, 'utf8'));
    run = {
      tool: r.tool,
      requests: r.requests + Object.values(r.errors).reduce((a, b) => a + b, 0),
      ok: r.requests,
      seconds: r.duration_s,
      rps: r.rps,
      latency_ms: r.latency_ms,
      errors: r.errors,
    };
  } else {
    return null;
  }
  if (existsSync(`${base}.cpu`)) {
    // "<ticks before> <ticks after> <seconds> <client cpu s>": the server process(es)' utime +
    // stime around the run, and the CPU the load generator used.
    const [before, after, seconds, client, machine] = readFileSync(`${base}.cpu`, 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const cpuSeconds = (after - before) / CLK_TCK;
    run.cpu = {
      server_cores: round2(cpuSeconds / seconds),
      server_us_per_request: run.ok > 0 ? Math.round((cpuSeconds * 1e6) / run.ok) : null,
      client_cores: Number.isFinite(client) ? round2(client / seconds) : null,
      // Everything else on the machine (other users, the kernel's softirq work not charged to
      // the two processes); high values mean a noisy neighbour.
      other_cores: Number.isFinite(machine)
        ? round2(
            Math.max(
              0,
              machine / CLK_TCK / seconds - cpuSeconds / seconds - (client || 0) / seconds,
            ),
          )
        : null,
    };
  }
  return run;
}

const files = readdirSync(workdir);
const targets = Object.keys(LABELS);
const rounds = Number(env.BENCH_ROUNDS || 1);
const perRound = [];
for (let k = 1; k <= rounds; k++) {
  const runs = {};
  for (const t of targets) {
    if (!files.some((f) => f.startsWith(`${t}.r${k}.`))) continue;
    const run = parseRun(join(workdir, `${t}.r${k}`));
    if (run) runs[t] = run;
  }
  const ratio = (t, base = 'nginx') =>
    runs[t] && runs[base] ? runs[t].rps / runs[base].rps : null;
  const ratios = {};
  for (const t of targets.slice(1)) ratios[`${t}_to_nginx`] = ratio(t);
  ratios.catalog_grpc_to_grpcjs_bare = ratio('catalog_grpc', 'grpcjs_bare');
  ratios.catalog_http_to_catalog_http_live = ratio('catalog_http', 'catalog_http_live');
  perRound.push({ round: k, runs, ratios });
}

// Across rounds: the median of each figure (one round: its figures).
const summary = {};
for (const t of targets) {
  const runs = perRound.map((r) => r.runs[t]).filter(Boolean);
  if (runs.length === 0) continue;
  const errorCount = runs.reduce(
    (n, r) =>
      n +
      Object.values(r.errors).reduce(
        (a, b) => a + (typeof b === 'number' ? b : Object.values(b).reduce((x, y) => x + y, 0)),
        0,
      ),
    0,
  );
  summary[t] = {
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50_ms: round2(median(runs.map((r) => r.latency_ms.p50))),
    p90_ms: round2(median(runs.map((r) => r.latency_ms.p90))),
    p99_ms: round2(median(runs.map((r) => r.latency_ms.p99))),
    max_ms: round2(median(runs.map((r) => r.latency_ms.max))),
    errors: errorCount,
    tool: runs[0].tool,
    ...(runs[0].cpu
      ? {
          server_cpu_cores: round2(median(runs.map((r) => r.cpu.server_cores))),
          server_cpu_us_per_request: Math.round(
            median(runs.map((r) => r.cpu.server_us_per_request)),
          ),
          client_cpu_cores: round2(median(runs.map((r) => r.cpu.client_cores))),
          other_cpu_cores: round2(median(runs.map((r) => r.cpu.other_cores))),
        }
      : {}),
  };
}
const ratios = {};
for (const key of Object.keys(perRound[0]?.ratios ?? {})) {
  const value = median(perRound.map((r) => r.ratios[key]));
  if (value !== null) ratios[key] = Math.round(value * 1000) / 1000;
}

const verdict = (t, ratio) => {
  const s = summary[t];
  const goal = GOALS[t];
  if (!s || ratio === undefined) return undefined;
  return {
    ratio: `${ratio >= goal.ratio ? 'meets' : 'BELOW'} target (>= ${goal.ratio} of ${goal.against})`,
    p99: `${s.p99_ms < goal.p99_ms ? 'meets' : 'ABOVE'} target (< ${goal.p99_ms} ms)`,
  };
};

const bodyFile = join(workdir, 'body.json');
const nodeBin = env.BENCH_NODE || process.execPath;
const overrides = Object.entries(env)
  .filter(([k]) => k.startsWith('BENCH_') && env.BENCH_OVERRIDES?.split(' ').includes(k))
  .map(([k, v]) => `${k}=${v}`);
const result = {
  benchmark: 'resolve',
  date: new Date().toISOString(),
  command: [...overrides, 'bash bench/resolve/run.sh'].join(' '),
  npm_script: 'npm run bench:resolve',
  git: {
    commit: sh('git', ['rev-parse', '--short', 'HEAD']),
    dirty: (sh('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
  },
  machine: {
    nproc: Number(sh('nproc', [])),
    cpu_model: cpus()[0]?.model ?? null,
    kernel: release(),
    node_version: sh(nodeBin, ['--version']),
    load_average_before: existsSync(join(workdir, 'loadavg.before'))
      ? readFileSync(join(workdir, 'loadavg.before'), 'utf8')
          .trim()
          .split(/\s+/)
          .slice(0, 3)
          .map(Number)
      : null,
    load_average_after: loadavg().map((x) => round2(x)),
  },
  tools: {
    wrk: (sh('wrk', ['-v']) ?? '').split('\n')[0] || null,
    nginx: sh('nginx', ['-v']),
    grpc_client: env.BENCH_GRPC_CLIENT_DESC || null,
  },
  settings: {
    seconds: Number(env.BENCH_SECONDS),
    warmup_seconds: Number(env.BENCH_WARMUP_SECONDS),
    connections: Number(env.BENCH_CONNECTIONS),
    wrk_threads: 1,
    grpc_client_cpus: 1,
    rounds,
    auth: 'reader bearer JWT (HS256) on every catalog request; nginx gets the same request stream',
    cache: 'warmed: every key requested once before measuring',
    cpu_profile:
      env.BENCH_CPU_PROF === '1'
        ? 'on (node --cpu-prof: figures are slowed by the profiler)'
        : 'off',
  },
  dataset: {
    families: Number(env.BENCH_FAMILIES),
    image_versions_per_family: 5,
    regions_per_version: 8,
    regional_copies: Number(env.BENCH_FAMILIES) * 40,
    channel: 'prod (4th version)',
    keys: Number(env.BENCH_KEYS),
    key_kind: '(family, region) pairs, channel=prod',
    body_bytes: existsSync(bodyFile) ? statSync(bodyFile).size : null,
  },
  targets: summary,
  grpc_paced_rps: Number(env.BENCH_GRPC_PACED_RPS || 0),
  ratios,
  goals: GOALS,
  assessment: {
    catalog_http: verdict('catalog_http', ratios.catalog_http_to_nginx),
    catalog_grpc: verdict('catalog_grpc', ratios.catalog_grpc_to_grpcjs_bare),
  },
  rounds: perRound,
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);

// The table.
const fmt = (x, d = 2) => (x === null || x === undefined ? '-' : x.toFixed(d));
const ratioOf = (t) => (t === 'nginx' ? 1 : ratios[`${t}_to_nginx`]);
const rows = [
  [
    'target',
    'req/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'vs nginx',
    'server CPU',
    'client CPU',
    'other CPU',
    'errors',
  ],
];
for (const t of targets) {
  const s = summary[t];
  if (!s) continue;
  rows.push([
    LABELS[t],
    s.rps.toLocaleString('en-US'),
    fmt(s.p50_ms),
    fmt(s.p90_ms),
    fmt(s.p99_ms),
    fmt(ratioOf(t)),
    s.server_cpu_cores === undefined
      ? '-'
      : `${fmt(s.server_cpu_cores)} core, ${s.server_cpu_us_per_request} us/req`,
    s.client_cpu_cores === undefined || s.client_cpu_cores === null
      ? '-'
      : `${fmt(s.client_cpu_cores)} core`,
    s.other_cpu_cores === undefined || s.other_cpu_cores === null
      ? '-'
      : `${fmt(s.other_cpu_cores)} core`,
    String(s.errors),
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) =>
  r
    .map((c, i) => (i === 0 || (i >= 6 && i <= 8) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
    .join('  ');
const out = [];
out.push('');
out.push(
  `resolve benchmark: ${result.machine.nproc} cores, Node ${result.machine.node_version}, ` +
    `${result.dataset.families.toLocaleString('en-US')} families x 5 versions x 8 regions, ` +
    `${result.dataset.keys.toLocaleString('en-US')} keys, wrk -t1 -c${result.settings.connections}, ` +
    `${result.settings.seconds} s per target${rounds > 1 ? `, median of ${rounds} rounds` : ''}`,
);
out.push(
  `gRPC client: ${result.tools.grpc_client ?? '-'}; load average before ${result.machine.load_average_before?.join(' ') ?? '-'}, after ${result.machine.load_average_after.join(' ')}`,
);
out.push('');
out.push(line(rows[0]));
out.push(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows.slice(1)) out.push(line(r));
out.push('');
out.push(
  'server CPU: cores the server used and CPU time per answer; client CPU: the load generator (1 core = saturated); other CPU: the rest of the machine (neighbours, kernel)',
);
out.push(
  'targets (reported, not asserted): HTTP resolve >= 0.6 of nginx, p99 < 5 ms; gRPC ResolveImage >= 0.9 of the bare grpc-js server with the same client, p99 < 10 ms',
);
for (const [t, v] of Object.entries(result.assessment)) {
  if (v) out.push(`  ${LABELS[t]}: ratio ${v.ratio}; p99 ${v.p99}`);
}
for (const round of perRound) {
  for (const [t, r] of Object.entries(round.runs)) {
    const n = Object.values(r.errors).reduce(
      (a, b) => a + (typeof b === 'number' ? b : Object.values(b).reduce((x, y) => x + y, 0)),
      0,
    );
    if (n > 0)
      out.push(
        `  note: round ${round.round}, ${LABELS[t]}: ${n} failed answers (${JSON.stringify(r.errors)}); that run is not valid (was the stack restarted under it? the catalog's log says)`,
      );
  }
}
const busy = Object.entries(summary).filter(([, s]) => s.other_cpu_cores > 0.3);
if (busy.length > 0)
  out.push(
    `  note: something else used CPU during ${busy.map(([t, s]) => `${LABELS[t]} (${fmt(s.other_cpu_cores)} core)`).join(', ')}: on a 2-core machine that skews the figures; re-run when the machine is quiet, or with BENCH_ROUNDS=3 for medians`,
  );
for (const [t, s] of Object.entries(summary)) {
  if (s.client_cpu_cores >= 0.85)
    out.push(
      `  note: the load generator used ${fmt(s.client_cpu_cores)} core for ${LABELS[t]}: it is (near) the limit, so the server's figure is a lower bound`,
    );
}
if (ratios.catalog_grpc_to_grpcjs_bare !== undefined)
  out.push(
    `  catalog gRPC / bare grpc-js with the same client: ${fmt(ratios.catalog_grpc_to_grpcjs_bare)} (server CPU ${summary.catalog_grpc.server_cpu_us_per_request} vs ${summary.grpcjs_bare.server_cpu_us_per_request} us per call)`,
  );
if (ratios.catalog_http_to_catalog_http_live !== undefined)
  out.push(
    `  catalog HTTP resolve / its own /health/live: ${fmt(ratios.catalog_http_to_catalog_http_live)} (server CPU ${summary.catalog_http.server_cpu_us_per_request} vs ${summary.catalog_http_live.server_cpu_us_per_request} us per request)`,
  );
if (summary.catalog_grpc?.tool === 'ghz') {
  const cut = perRound.reduce((n, r) => n + (r.runs.catalog_grpc?.cut_at_end ?? 0), 0);
  if (cut)
    out.push(
      `  (ghz cancelled ${cut} call(s) still in flight when the time was up; not counted as errors)`,
    );
}
out.push('');
out.push(`written: ${outFile}`);
console.log(out.join('\n'));
