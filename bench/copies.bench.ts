/**
 * Replicator economy and pace (npm run bench:copies): one version fanned out to 16 regions,
 * then 400 versions into one region, with the fidelity proxy's pending period and throttling
 * on. Reports the wall time against the floor the limits imply (the CopyImage bucket, the
 * per-region in-flight cap and the pending period) as a ratio, and the DescribeImages calls
 * per copy, from the proxy's counters. Writes bench/results/copies.json. Asserts nothing
 * about time.
 *
 * The CopyImage bucket is AWS's shape (100 tokens) with a faster refill (BENCH_COPY_REFILL,
 * default 5/s instead of 1/s) so that 400 copies take about a minute; the floor is computed
 * for the same numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Client } from 'pg';
import { uniqueName } from '@ami/testing';
import {
  familySpec,
  publisher,
  replicatorDb,
  sourceImage,
  startReplicator,
  waitForJobs,
} from '../apps/replicator/test/replicator-harness.js';

const PENDING_MS = Number(process.env.BENCH_PENDING_MS ?? 3000);
const CAPACITY = Number(process.env.BENCH_COPY_CAPACITY ?? 100);
const REFILL = Number(process.env.BENCH_COPY_REFILL ?? 5);
const REGION_CAP = Number(process.env.BENCH_REGION_CAP ?? 300);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 400);
const POLL_MS = 500;
const FANOUT = [
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
  'sa-east-1',
];

/**
 * The earliest the last of `n` copies into one region can be available: copy i starts when
 * the bucket has a token for it (the first `capacity` at once, then one per 1/refill s) and
 * fewer than `cap` copies are in flight; each stays pending for `pendingS`.
 */
export function floorSeconds(o: {
  n: number;
  capacity: number;
  refill: number;
  cap: number;
  pendingS: number;
}): number {
  const ends: number[] = [];
  for (let i = 0; i < o.n; i++) {
    const token = i < o.capacity ? 0 : (i - o.capacity + 1) / o.refill;
    const slot = i >= o.cap ? ends[i - o.cap]! : 0;
    ends.push(Math.max(token, slot) + o.pendingS);
  }
  return Math.max(...ends);
}

const describeCalls = (counters: any) => {
  const c = counters.actions.DescribeImages;
  return c ? c.ok + c.error + c.throttled + c.fault : 0;
};

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

describe('replicator pace and EC2 economy', () => {
  it(`fans out to ${FANOUT.length} regions and copies ${VERSIONS} versions into one`, async () => {
    const buckets = { CopyImage: { capacity: CAPACITY, refillPerSecond: REFILL } };
    const replicator = await startReplicator({
      pendingMs: PENDING_MS,
      env: {
        EC2_RATE_LIMITS: JSON.stringify(buckets),
        COPY_REGION_CAP: String(REGION_CAP),
        COPY_WORKER_CONCURRENCY: String(VERSIONS),
        COPY_POLL_INTERVAL_MS: String(POLL_MS),
        COPY_LEASE_MS: '60000',
        COPY_TIMEOUT_S: '600',
        DB_POOL_SIZE: '20',
      },
    });
    await replicator.fidelity.configure({ buckets });
    const events = await publisher();
    const db: Client = await replicatorDb();
    try {
      const run = async (family: string, regions: string[], versions: number) => {
        const source = await sourceImage(`src-${family}`);
        await events.applySpec(familySpec(family, ['us-east-1', ...regions]));
        await replicator.fidelity.resetCounters();
        replicator.fidelity.proxy.state.copies.reset();
        const seconds = await timed(async () => {
          for (let v = 1; v <= versions; v++) await events.built(family, `2026.12.01-${v}`, source);
          await waitForJobs(db, family, versions * regions.length, ['succeeded'], 900_000);
        });
        const counters = await replicator.fidelity.counters();
        const copies = versions * regions.length;
        return {
          copies,
          seconds: Number(seconds.toFixed(2)),
          describeImagesPerCopy: Number((describeCalls(counters) / copies).toFixed(3)),
          copyImageCalls: counters.actions.CopyImage,
          peakInFlight: Math.max(
            ...Object.values(replicator.fidelity.proxy.state.copies.peakInFlight()),
          ),
        };
      };

      const fanout = await run(uniqueName('bench-fanout'), FANOUT, 1);
      const fanoutFloor = floorSeconds({
        n: 1,
        capacity: CAPACITY,
        refill: REFILL,
        cap: REGION_CAP,
        pendingS: PENDING_MS / 1000,
      });
      const oneRegion = await run(uniqueName('bench-400'), ['eu-west-1'], VERSIONS);
      const oneRegionFloor = floorSeconds({
        n: VERSIONS,
        capacity: CAPACITY,
        refill: REFILL,
        cap: REGION_CAP,
        pendingS: PENDING_MS / 1000,
      });

      const result = {
        when: new Date().toISOString(),
        config: {
          pendingMs: PENDING_MS,
          copyImageBucket: { capacity: CAPACITY, refillPerSecond: REFILL },
          regionCap: REGION_CAP,
          pollIntervalMs: POLL_MS,
        },
        fanout: {
          regions: FANOUT.length,
          ...fanout,
          floorSeconds: fanoutFloor,
          ratioToFloor: Number((fanout.seconds / fanoutFloor).toFixed(2)),
        },
        oneRegion: {
          versions: VERSIONS,
          ...oneRegion,
          floorSeconds: Number(oneRegionFloor.toFixed(2)),
          ratioToFloor: Number((oneRegion.seconds / oneRegionFloor).toFixed(2)),
        },
      };
      console.log(JSON.stringify(result, null, 2));
      mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
      writeFileSync(
        new URL('./results/copies.json', import.meta.url),
        `${JSON.stringify(result, null, 2)}\n`,
      );
    } finally {
      await events.close();
      await db.end();
      await replicator.close();
    }
  });
});
