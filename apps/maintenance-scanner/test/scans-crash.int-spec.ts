import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  FidelityForTest,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { facts, putParameter, rebuildRequests, type Facts } from './scanner-harness.js';

const FAMILIES = 12;

/**
 * Two scanner replicas (processes) scan the same stale families at once; one is SIGKILLed
 * while its source lookups wait on AWS, and restarted. Every family still gets exactly one
 * rebuild request: the killed replica's claimed families are taken over when their lease
 * lapses, and what it had saved is not asked again.
 */
describe('maintenance scanner: two replicas, one killed mid-run', () => {
  let fidelity: FidelityForTest;
  let publish: Facts;
  let requests: Awaited<ReturnType<typeof rebuildRequests>>;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    fidelity = await startFidelityForTest({ throttle: true });
    // Every lookup takes a while, so that a kill lands in the middle of a scan.
    await fidelity.addFault({
      action: 'GetParameters',
      service: 'ssm',
      kind: 'latency',
      latencyMs: 400,
    });
    publish = await facts();
    requests = await rebuildRequests();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await requests?.stop();
    await publish?.close();
    await fidelity?.close();
  });

  const replica = async () => {
    const s = await startServiceProcess('maintenance-scanner', {
      AWS_ENDPOINT_URL: fidelity.url,
      SCAN_WORKER_INTERVAL_MS: '50',
      SCAN_BATCH: '2',
      SCAN_LEASE_MS: '1500',
    });
    running.push(s);
    await waitReady(s);
    return s;
  };

  it('asks exactly one rebuild per stale family', async () => {
    const doomed = await replica();
    await replica();
    const names = Array.from({ length: FAMILIES }, () => uniqueName('crash'));
    for (const name of names) {
      await putParameter(`/test/${name}/source`, 'ami-0000000000000c0de');
      await publish.applySpec({
        name,
        owner: 'platform-team',
        source: { ssmParameter: `/test/${name}/source` },
        build: { region: 'us-east-1' },
        maintenance: { maxAgeDays: 1 },
      });
      await publish.built(name, '2026.11.01-1', {
        sourceImageId: 'ami-0000000000000c0de',
        daysAgo: 5,
      });
    }
    const asked = () => names.filter((n) => requests.of(n).length > 0).length;
    await eventually(() => asked() >= 2, 60_000, 'the first rebuild requests');
    doomed.child.kill('SIGKILL');
    const atKill = asked();
    console.info(`replica killed with ${atKill} of ${FAMILIES} families asked for`);
    running.splice(running.indexOf(doomed), 1);
    await replica();
    await eventually(
      () => asked() === FAMILIES,
      90_000,
      () => `requests for all families (now ${asked()})`,
    );
    await new Promise((r) => setTimeout(r, 3000)); // time for a duplicate to show up
    // The outbox delivers at least once: a relay killed after Kafka took a batch, before it
    // marked it sent, sends it again from the next replica. Such a redelivery is the same
    // event (same id, deduplicated by the builder's inbox); a second ask would be a new one.
    const asks = (n: string) => new Set(requests.of(n).map((e: any) => e.id)).size;
    const keys = (n: string) => new Set(requests.of(n).map((e: any) => e.data.idempotencyKey)).size;
    const redelivered = names.reduce((sum, n) => sum + requests.of(n).length - asks(n), 0);
    console.info(`requests redelivered by the outbox after the kill: ${redelivered}`);
    expect(names.map(asks)).toEqual(names.map(() => 1));
    expect(names.map(keys)).toEqual(names.map(() => 1));
    expect(atKill).toBeLessThan(FAMILIES); // the kill landed mid-run
  });
});
