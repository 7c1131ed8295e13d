/**
 * Builder EC2 economy (npm run bench:builds): the EC2/SSM calls one build makes, by action, and
 * for 50 builds in flight at once (50 families) the image-polling calls per build, read from the
 * fidelity proxy's counters with its pending period on. Prints and writes
 * bench/results/builds.json. Asserts nothing about time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { uniqueName } from '@ami/testing';
import { familySpec, startBuilder } from '../apps/builder/test/builder-harness.js';

const CONCURRENT = Number(process.env.BENCH_BUILDS ?? 50);
const PENDING_MS = Number(process.env.BENCH_PENDING_MS ?? 5000);

const callsOf = (counters: any) =>
  Object.fromEntries(
    Object.entries(counters.actions as Record<string, any>).map(([action, c]) => [
      action,
      c.ok + c.error + c.fault + c.throttled,
    ]),
  ) as Record<string, number>;

describe('builder EC2 economy', () => {
  it(`counts calls for one build and for ${CONCURRENT} concurrent builds`, async () => {
    const builder = await startBuilder({
      pendingMs: PENDING_MS,
      env: {
        BUILD_GLOBAL_CAP: String(CONCURRENT),
        BUILD_WORKER_CONCURRENCY: String(CONCURRENT),
        DB_POOL_SIZE: '20',
      },
    });
    try {
      // One build.
      const one = uniqueName('bench-one');
      await builder.applySpec(familySpec(one));
      await builder.fidelity.resetCounters();
      await builder.http('POST', '/v1/builds', { family: one, reason: 'bench' });
      await builder.waitForBuild(one, ['succeeded'], 120_000);
      const single = callsOf(await builder.fidelity.counters());

      // Many at once.
      const families = Array.from({ length: CONCURRENT }, (_, i) => uniqueName(`bench-${i}`));
      for (const family of families) await builder.applySpec(familySpec(family));
      await builder.fidelity.resetCounters();
      const started = performance.now();
      await Promise.all(
        families.map((family) => builder.http('POST', '/v1/builds', { family, reason: 'bench' })),
      );
      for (const family of families)
        await builder.waitForBuild(family, ['succeeded', 'failed'], 600_000);
      const seconds = (performance.now() - started) / 1000;
      const many = callsOf(await builder.fidelity.counters());
      const states = await builder.db.query(
        `SELECT state, count(*)::int AS n FROM builder.builds WHERE family = ANY($1) GROUP BY state`,
        [families],
      );

      const result = {
        when: new Date().toISOString(),
        pendingMs: PENDING_MS,
        pollIntervalMs: 200,
        oneBuild: {
          callsByAction: single,
          total: Object.values(single).reduce((a, b) => a + b, 0),
        },
        concurrent: {
          builds: CONCURRENT,
          seconds: Number(seconds.toFixed(1)),
          states,
          callsByAction: many,
          describeImagesPerBuild: Number(((many.DescribeImages ?? 0) / CONCURRENT).toFixed(2)),
          callsPerBuild: Number(
            (Object.values(many).reduce((a, b) => a + b, 0) / CONCURRENT).toFixed(2),
          ),
        },
      };
      console.log(JSON.stringify(result, null, 2));
      mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
      writeFileSync(
        new URL('./results/builds.json', import.meta.url),
        JSON.stringify(result, null, 2),
      );
      expect(states).toEqual([{ state: 'succeeded', n: CONCURRENT }]);
    } finally {
      await builder.close();
    }
  });
});
