import type { Client } from 'pg';
import {
  FidelityForTest,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  uniqueName,
  waitReady,
} from '@ami/testing';
import {
  commitGroupAtEnd,
  FAST_REPLICATOR_ENV,
  familySpec,
  publisher,
  Publisher,
  replicatorDb,
  sourceImage,
  waitForJobs,
} from './replicator-harness.js';

const ACCOUNT = '123456789012';
const VERSIONS = 8;

/** The most intervals [start, end) open at one instant. */
function maxOverlap(intervals: Array<[number, number]>): number {
  const edges = intervals.flatMap(([s, e]) => [
    [s, 1],
    [e, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (open += delta!));
  return most;
}

/**
 * Two replicator processes share the copy jobs with COPY_REGION_CAP=2: copies of 8 versions
 * into one region never have more than 2 in flight there, as the proxy (which sees every
 * CopyImage) and the jobs' own timestamps both show.
 */
describe('per-region in-flight cap across two replicator processes', () => {
  let fidelity: FidelityForTest;
  const replicas: ServiceProcess[] = [];
  let events: Publisher;
  let db: Client;
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 1500, throttle: true });
    events = await publisher();
    db = await replicatorDb();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await events?.close();
    await db?.end();
    await fidelity?.close();
  });

  it('keeps at most 2 copies in flight in the region', { timeout: 240_000 }, async () => {
    const groupId = uniqueName('replicator-cap');
    await commitGroupAtEnd(groupId);
    for (let i = 0; i < 2; i++)
      replicas.push(
        await startServiceProcess('replicator', {
          ...FAST_REPLICATOR_ENV,
          COPY_REGION_CAP: '2',
          AWS_ENDPOINT_URL: fidelity.url,
          KAFKA_GROUP_ID: groupId,
        }),
      );
    await Promise.all(replicas.map((r) => waitReady(r)));
    const family = uniqueName('cap');
    const source = await sourceImage(`src-${family}`);
    await events.applySpec(familySpec(family, ['us-east-1', 'eu-west-1']));
    for (let v = 1; v <= VERSIONS; v++) await events.built(family, `2026.12.01-${v}`, source);

    const jobs = await waitForJobs(db, family, VERSIONS, ['succeeded'], 120_000);
    expect(fidelity.proxy.state.copies.peakInFlight()[`${ACCOUNT}/eu-west-1`]).toBe(2);
    const held = jobs.map(
      (j) => [new Date(j.slot_at).getTime(), new Date(j.finished_at).getTime()] as [number, number],
    );
    expect(maxOverlap(held)).toBeLessThanOrEqual(2);
  });
});
