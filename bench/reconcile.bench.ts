/**
 * Reconcile economy and speed (npm run bench:reconcile): N managed copies in one region (1,000
 * by default), already shared as desired, reconciled on request with the fidelity proxy's
 * EC2 throttling on. Reports EC2 calls per reconciled copy, by action, and the time against
 * the floor the rate limits imply. Writes bench/results/reconcile.json. Asserts nothing about time.
 *
 * The copies are set up straight on moto (CreateImage from one instance, permissions set
 * directly) and registered in the service's table as already applied, so the run measures a
 * reconcile that finds no drift: DescribeImageAttribute per copy and DescribeSnapshotAttribute
 * per snapshot, both Describe buckets (100, refill 20/s), one DescribeImages per 200 copies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  CreateImageCommand,
  DescribeImagesCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { testEnv, uniqueName } from '@ami/testing';
import { copyId } from '../apps/permissions/src/copies/managed-copy.js';
import { startPermissions } from '../apps/permissions/test/permissions-harness.js';

const COPIES = Number(process.env.BENCH_COPIES ?? 1000);
const REGION = 'eu-west-1';
const ACCOUNTS = ['111122223333', '444455556666'];
const BUCKET = { capacity: 100, refillPerSecond: 20 };

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('reconcile economy', () => {
  it(`reconciles ${COPIES} copies with throttling on`, async () => {
    const h = await startPermissions({
      env: {
        PERMISSIONS_BATCH_SIZE: process.env.BENCH_BATCH ?? '200',
        PERMISSIONS_REGION_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '25',
        DB_POOL_SIZE: '20',
      },
    });
    const moto = new EC2Client({
      region: REGION,
      endpoint: testEnv().motoUrl,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    try {
      const family = uniqueName('bench');
      await h.applySpec(family, { accounts: ACCOUNTS });
      const base = (
        await moto.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }))
      ).Images![0]!.ImageId!;
      const run = await moto.send(
        new RunInstancesCommand({
          ImageId: base,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
        }),
      );
      const instanceId = run.Instances![0]!.InstanceId!;
      const setupStarted = performance.now();
      const images: Array<{ imageId: string; snapshotId: string; version: string }> = [];
      await inBatches([...Array(COPIES).keys()], 20, async (i) => {
        const { ImageId } = await moto.send(
          new CreateImageCommand({ InstanceId: instanceId, Name: `${family}-${i}` }),
        );
        const image = (await moto.send(new DescribeImagesCommand({ ImageIds: [ImageId!] })))
          .Images![0]!;
        const snapshotId = image.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
        await moto.send(
          new ModifyImageAttributeCommand({
            ImageId,
            LaunchPermission: { Add: ACCOUNTS.map((UserId) => ({ UserId })) },
          }),
        );
        await moto.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
            OperationType: 'add',
            UserIds: ACCOUNTS,
          }),
        );
        // one copy per version keeps (family, version, region) unique
        images.push({ imageId: ImageId!, snapshotId, version: `2026.12.04-${i + 1}` });
      });
      const applied = JSON.stringify({
        launch: ACCOUNTS.map((value) => ({ kind: 'account', value })),
        volume: ACCOUNTS,
      });
      for (const img of images)
        await h.db.query(
          `INSERT INTO permissions.copies (id, family, version, region, account, image_id, snapshot_ids, origin,
             request_generation, applied_generation, applied, last_reconciled_at)
           VALUES ($1, $2, $3, $4, '123456789012', $5, $6, 'copy', 1, 1, $7, now())`,
          [
            copyId(family, img.version, REGION),
            family,
            img.version,
            REGION,
            img.imageId,
            [img.snapshotId],
            applied,
          ],
        );
      const setupSeconds = (performance.now() - setupStarted) / 1000;

      await h.fidelity.configure({ throttle: true });
      await h.fidelity.resetCounters();
      const started = performance.now();
      const asked = await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
      expect(asked.body.copies).toBe(COPIES);
      await h.settled(family, COPIES, 900_000);
      const seconds = (performance.now() - started) / 1000;
      const counters = await h.fidelity.counters();
      const calls = Object.fromEntries(
        Object.entries(counters.actions).map(([action, c]) => [
          action,
          c.ok + c.error + c.fault + c.throttled,
        ]),
      );
      const throttled = counters.totals.throttled;
      const total = Object.values(calls).reduce((n, c) => n + c, 0);
      const drift = await h.db.query(
        'SELECT count(*)::int AS n FROM permissions.drift WHERE family = $1',
        [family],
      );
      // per-copy reads draw from two separate buckets in parallel: the floor is one bucket's drain
      const floorSeconds = Math.max(0, (COPIES - BUCKET.capacity) / BUCKET.refillPerSecond);
      const result = {
        when: new Date().toISOString(),
        copies: COPIES,
        region: REGION,
        batchSize: Number(process.env.BENCH_BATCH ?? 200),
        regionConcurrency: Number(process.env.BENCH_CONCURRENCY ?? 25),
        setupSeconds: Number(setupSeconds.toFixed(1)),
        seconds: Number(seconds.toFixed(1)),
        floorSeconds,
        ratioToFloor: Number((seconds / floorSeconds).toFixed(2)),
        callsPerCopy: Number(((total - throttled) / COPIES).toFixed(3)),
        calls,
        throttledCalls: throttled,
        driftFound: drift[0].n,
      };
      console.log(JSON.stringify(result, null, 2));
      mkdirSync('bench/results', { recursive: true });
      writeFileSync('bench/results/reconcile.json', JSON.stringify(result, null, 2) + '\n');
      expect(result.driftFound).toBe(0);
    } finally {
      moto.destroy();
      await h.close();
    }
  });
});
