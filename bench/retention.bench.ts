/**
 * Retention scan economy (npm run bench:retention): 100,000 images (BENCH_IMAGES) of 200
 * families (BENCH_RETENTION_FAMILIES) across four regions, scanned by the maintenance scanner's image
 * inventory (apps/maintenance-scanner/src/retention/image-inventory.ts), all regions at once
 * as the scanner does. Reports images and snapshots scanned, EC2 calls by action, calls per
 * image and wall time, from the fidelity proxy's counters; beside it, in the same run and on
 * the same state: one DescribeImages per image id (a sample, extrapolated) and Cloud
 * Custodian's "older than N days" AMI policy (bench/c7n-compare.sh; C7N=0 skips it).
 * Writes bench/results/retention.json. Asserts what was scanned, nothing about time.
 *
 * The benchmark never touches a running stack: it starts its own moto_server (the project's
 * moto venv, .stack/moto/venv, or MOTO_VENV) on a free port, seeded in-process before it
 * serves (bench/retention-seed.py says why and how), and its own fidelity proxy in this
 * process. That moto keeps each Describe answer until something changes (rendering 25,000
 * images takes moto about 25 s): each tool runs "cold" (cache cleared, so it pays for moto
 * rendering each of its queries once) and then "warm" (moto's answers already rendered: what
 * is left is the tool, the proxy and the transfer). The proxy answers the pages after the
 * first from the first's answer (pagination.ts, PageRuns). BENCH_MOTO_CACHE=0 turns moto's
 * cache off. While
 * moto renders 25,000 images the SDK may warn that a request exceeded its 60 s requestTimeout:
 * it only warns (gatewayAttempts in the results shows whether anything was retried).
 * Other knobs: BENCH_RETENTION_FAMILIES, BENCH_DAYS (the policy's N, default 180), BENCH_NAIVE_SAMPLE,
 * BENCH_THROTTLE=0 (the proxy's EC2 rate limits, on by default), MOTO_VENV.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { awsConfig, Ec2Gateway } from '@ami/aws';
import { MetricsService } from '@ami/observability';
import { freePort } from '@ami/testing';
import { ImageInventory } from '../apps/maintenance-scanner/src/retention/image-inventory.js';
import type { CountersSnapshot } from '../tools/fidelity-proxy/counters.js';
import { startFidelityProxy, type FidelityProxy } from '../tools/fidelity-proxy/main.js';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 100_000);
const FAMILIES = Number(process.env.BENCH_RETENTION_FAMILIES ?? 200);
const DAYS = Number(process.env.BENCH_DAYS ?? 180);
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 400);
const THROTTLE = process.env.BENCH_THROTTLE !== '0';
const MOTO_CACHE = process.env.BENCH_MOTO_CACHE !== '0';
const C7N = process.env.C7N !== '0';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
const ACCOUNT = '123456789012';
/** AWS's default bucket for DescribeImages (per account x region): the naive floor. */
const DESCRIBE_BUCKET = { capacity: 100, refillPerSecond: 20 };

const repo = fileURLToPath(new URL('..', import.meta.url));
const results = new URL('./results/', import.meta.url);

interface Seeded {
  event: 'seeded';
  images: number;
  families: number;
  familyNames: string[];
  versionsPerFamily: number;
  spanDays: number;
  olderThanDays: number;
  olderThan: number;
  seconds: number;
  regions: Record<string, { images: number; snapshotGiB: number; seconds: number }>;
}

interface CacheStats {
  enabled: boolean;
  entries: number;
  hits: number;
  misses: number;
  renderSeconds: number;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Client calls by action (every outcome), from the proxy's counters. */
function callsByAction(counters: CountersSnapshot): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counters.actions)
      .map(([action, c]) => [action, c.ok + c.throttled + c.fault + c.error] as const)
      .filter(([, n]) => n > 0),
  );
}

/** moto_server from bench/retention-seed.py on a free port, once it has seeded and serves. */
async function startMoto(logPath: URL): Promise<{ url: string; seeded: Seeded; stop(): void }> {
  const venv = process.env.MOTO_VENV ?? `${repo}.stack/moto/venv`;
  const python = `${venv}/bin/python`;
  if (!existsSync(python))
    throw new Error(
      `no moto virtualenv at ${venv}: run npm run test:stack (or npm run stack) once, or set MOTO_VENV`,
    );
  const port = await freePort();
  const args = [
    `${repo}bench/retention-seed.py`,
    '--port',
    String(port),
    '--images',
    String(IMAGES),
    '--families',
    String(FAMILIES),
    '--days',
    String(DAYS),
    '--regions',
    REGIONS.join(','),
    '--account',
    ACCOUNT,
    ...(MOTO_CACHE ? [] : ['--no-cache']),
  ];
  const child: ChildProcess = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logPath);
  child.stderr!.pipe(log);
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  try {
    const seeded = await new Promise<Seeded>((resolve, reject) => {
      child.once('exit', (code, signal) =>
        reject(new Error(`moto exited (${code ?? signal}) while seeding; see ${logPath.pathname}`)),
      );
      child.once('error', reject);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        log.write(`${line}\n`);
        if (line.startsWith('{') && line.includes('"seeded"')) resolve(JSON.parse(line));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/_bench/cache`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 100) throw new Error(`moto is not answering on ${url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, seeded, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** bench/c7n-compare.sh against the proxy; its last stdout line is its JSON summary. */
async function runC7n(env: Record<string, string>): Promise<any> {
  const child = spawn('bash', [`${repo}bench/c7n-compare.sh`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/c7n-compare.sh exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('retention scan economy', () => {
  it(`scans ${IMAGES} images across ${REGIONS.length} regions`, async () => {
    mkdirSync(results, { recursive: true });
    const bootStarted = performance.now();
    const moto = await startMoto(new URL('retention-moto.log', results));
    const bootSeconds = (performance.now() - bootStarted) / 1000;
    let proxy: FidelityProxy | undefined;
    let gateway: Ec2Gateway | undefined;
    try {
      const { seeded } = moto;
      console.log(
        `seeded ${seeded.images} images (${seeded.families} families x ${seeded.versionsPerFamily} versions x ${REGIONS.length} regions) in ${seeded.seconds} s (moto up in ${round(bootSeconds, 1)} s)`,
      );
      proxy = await startFidelityProxy({ motoUrl: moto.url, port: 0, throttle: THROTTLE });
      const control = async (method: string, path: string) => {
        const r = await fetch(`${proxy!.url}/_fidelity/${path}`, { method });
        if (!r.ok) throw new Error(`${method} /_fidelity/${path} answered ${r.status}`);
        return r.json() as Promise<any>;
      };
      const cache = async (method = 'GET'): Promise<CacheStats> =>
        (await fetch(`${moto.url}/_bench/cache`, { method })).json() as Promise<CacheStats>;
      const metrics = new MetricsService();
      gateway = new Ec2Gateway({
        config: awsConfig({ AWS_ENDPOINT_URL: proxy.url, AWS_ACCOUNT_ID: ACCOUNT }),
        metrics,
      });
      const attempts = async (): Promise<Record<string, number>> => {
        const counter = await metrics.registry.getSingleMetric('ami_ec2_calls_total')?.get();
        const by: Record<string, number> = {};
        for (const v of counter?.values ?? [])
          by[String(v.labels.outcome)] = (by[String(v.labels.outcome)] ?? 0) + v.value;
        return by;
      };
      const inventory = new ImageInventory(gateway);

      const scan = async (label: 'cold' | 'warm') => {
        if (label === 'cold') await cache('DELETE');
        await control('POST', 'counters/reset');
        const before = await attempts();
        const started = performance.now();
        const inventories = await Promise.all(
          REGIONS.map((region) => inventory.scanRegion({ region, families: seeded.familyNames })),
        );
        const seconds = (performance.now() - started) / 1000;
        const counters = (await control('GET', 'counters')) as CountersSnapshot;
        const after = await attempts();
        const calls = callsByAction(counters);
        const images = sum(inventories.map((i) => i.images.size));
        const total = sum(Object.values(calls));
        return {
          run: label,
          seconds: round(seconds),
          images,
          snapshots: sum(inventories.map((i) => i.snapshots.length)),
          snapshotGiB: sum(inventories.flatMap((i) => i.snapshots.map((s) => s.sizeGiB))),
          calls,
          totalCalls: total,
          callsPerImage: round(total / Math.max(1, images), 5),
          throttled: counters.totals.throttled,
          gatewayAttempts: Object.fromEntries(
            Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]),
          ),
          perRegion: Object.fromEntries(
            inventories.map((i) => [
              i.region,
              { images: i.images.size, snapshots: i.snapshots.length },
            ]),
          ),
          motoCache: await cache(),
        };
      };

      const scanner = { cold: await scan('cold'), warm: await scan('warm') };
      for (const run of Object.values(scanner))
        console.log(
          `scanner (${run.run}): ${run.images} images, ${run.snapshots} snapshots in ${run.seconds} s; ${run.totalCalls} EC2 calls ${JSON.stringify(run.calls)}, ${run.callsPerImage} per image`,
        );

      // Baseline in the same run: one DescribeImages per known image id, for a sample
      // (spread over the regions, one call at a time per region), extrapolated.
      await control('POST', 'counters/reset');
      const perRegion = Math.max(1, Math.floor(NAIVE_SAMPLE / REGIONS.length));
      const ids = await Promise.all(
        REGIONS.map(async (region) =>
          (
            await gateway!.send(
              region,
              new DescribeImagesCommand({ Owners: ['self'], MaxResults: perRegion }),
            )
          ).Images!.map((i) => i.ImageId!),
        ),
      );
      await control('POST', 'counters/reset');
      const naiveStarted = performance.now();
      await Promise.all(
        REGIONS.map(async (region, r) => {
          for (const id of ids[r]!)
            await gateway!.send(region, new DescribeImagesCommand({ ImageIds: [id] }));
        }),
      );
      const naiveSeconds = (performance.now() - naiveStarted) / 1000;
      const naiveCalls = callsByAction((await control('GET', 'counters')) as CountersSnapshot);
      const sampled = sum(ids.map((i) => i.length));
      const perRegionImages = IMAGES / REGIONS.length;
      const naive = {
        approach: 'one DescribeImages per image id (ids known), regions in parallel',
        sampledImages: sampled,
        sampleSeconds: round(naiveSeconds),
        sampleCalls: naiveCalls,
        callsPerImage: round(sum(Object.values(naiveCalls)) / sampled, 3),
        extrapolatedCalls: IMAGES,
        extrapolatedSeconds: round((naiveSeconds * IMAGES) / sampled, 1),
        floorSecondsAtAwsRate: round(
          Math.max(0, perRegionImages - DESCRIBE_BUCKET.capacity) / DESCRIBE_BUCKET.refillPerSecond,
          1,
        ),
      };
      console.log(
        `naive: ${sampled} ids in ${naive.sampleSeconds} s (${JSON.stringify(naiveCalls)}); for ${IMAGES}: ${IMAGES} calls, ~${naive.extrapolatedSeconds} s here, >= ${naive.floorSecondsAtAwsRate} s at EC2's DescribeImages rate`,
      );

      let c7n: { cold: any; warm: any } | { skipped: string } = { skipped: 'C7N=0' };
      if (C7N) {
        const env = {
          AWS_ENDPOINT_URL: proxy.url,
          MOTO_URL: moto.url,
          C7N_DAYS: String(DAYS),
          C7N_REGIONS: REGIONS.join(','),
        };
        const c7nRun = async (label: 'cold' | 'warm') => {
          const out = await runC7n({ ...env, C7N_KEEP_CACHE: label === 'warm' ? '1' : '0' });
          const calls = callsByAction(out.counters);
          const total = sum(Object.values(calls));
          return {
            run: label,
            version: out.version,
            policy: out.policy,
            seconds: out.seconds,
            matched: out.matched,
            matchedTotal: sum(Object.values(out.matched as Record<string, number>)),
            calls,
            totalCalls: total,
            callsPerImage: round(total / IMAGES, 5),
            uncounted: out.uncounted,
            motoCache: await cache(),
          };
        };
        c7n = { cold: await c7nRun('cold'), warm: await c7nRun('warm') };
        for (const run of [c7n.cold, c7n.warm])
          console.log(
            `c7n ${run.version} (${run.run}): ${run.matchedTotal} images older than ${DAYS} days in ${run.seconds} s; ${run.totalCalls} EC2 calls ${JSON.stringify(run.calls)}`,
          );
      }

      const result = {
        when: new Date().toISOString(),
        images: IMAGES,
        regions: REGIONS,
        families: FAMILIES,
        throttle: THROTTLE,
        motoCache: MOTO_CACHE,
        seeding: {
          how: 'in-process moto backends (bench/retention-seed.py), before moto serves',
          seconds: seeded.seconds,
          motoUpSeconds: round(bootSeconds, 1),
          versionsPerFamily: seeded.versionsPerFamily,
          spanDays: seeded.spanDays,
          olderThanDays: seeded.olderThanDays,
          olderThan: seeded.olderThan,
          perRegion: seeded.regions,
        },
        scanner,
        naive,
        c7n,
      };
      writeFileSync(new URL('retention.json', results), `${JSON.stringify(result, null, 2)}\n`);

      const rows: string[][] = [
        ['run', 'wall s', 'EC2 calls', 'calls/image', 'by action'],
        ...Object.values(scanner).map((r) => [
          `scanner ImageInventory (${r.run})`,
          String(r.seconds),
          String(r.totalCalls),
          String(r.callsPerImage),
          JSON.stringify(r.calls),
        ]),
        ...('cold' in c7n
          ? [c7n.cold, c7n.warm].map((r) => [
              `c7n ${r.version} image-age>${DAYS}d (${r.run})`,
              String(r.seconds),
              String(r.totalCalls),
              String(r.callsPerImage),
              JSON.stringify(r.calls),
            ])
          : []),
        [
          `naive, 1 call per id (${sampled} sampled, extrapolated)`,
          `~${naive.extrapolatedSeconds} (>= ${naive.floorSecondsAtAwsRate} at EC2 rate)`,
          String(IMAGES),
          String(naive.callsPerImage),
          JSON.stringify({ DescribeImages: IMAGES }),
        ],
      ];
      const renders = (r: { motoCache: CacheStats }) =>
        `${r.motoCache.misses} moto renders (${round(r.motoCache.renderSeconds, 1)} s)`;
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      console.log(
        [
          `retention scan: ${IMAGES} images in ${REGIONS.length} regions, seeded in ${seeded.seconds} s; proxy throttle ${THROTTLE ? 'on' : 'off'}, moto cache ${MOTO_CACHE ? 'on' : 'off'}`,
          ...rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')),
          `cold runs paid for: scanner ${renders(scanner.cold)}${'cold' in c7n ? `, c7n ${renders(c7n.cold)} (and one STS GetCallerIdentity per run, not counted)` : ''}`,
        ].join('\n'),
      );

      for (const run of Object.values(scanner)) {
        expect(run.images).toBe(seeded.images);
        expect(run.snapshots).toBe(seeded.images);
      }
      if ('cold' in c7n) expect(c7n.cold.matchedTotal).toBe(seeded.olderThan);
    } finally {
      gateway?.destroy();
      await proxy?.close();
      moto.stop();
    }
  }, 3_600_000);
});
