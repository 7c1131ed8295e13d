import type { Client } from 'pg';
import {
  eventually,
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
  imagesNamed,
  jobsOf,
  publisher,
  Publisher,
  replicatorDb,
  sourceImage,
  waitForJobs,
} from './replicator-harness.js';

const REGIONS = ['eu-west-1', 'eu-central-1', 'ap-southeast-2', 'sa-east-1'];

/**
 * The replicator (the built service, as its own process) loses every CopyImage answer (the
 * proxy lets moto act, then drops the connection), is SIGKILLed once every region's CopyImage
 * has reached moto, and is started again: each region ends with exactly one copy, and no
 * second CopyImage ever reached moto (the same ClientToken returned the same copy).
 */
describe('replicator killed after CopyImage and restarted', () => {
  let fidelity: FidelityForTest;
  let replicator: ServiceProcess | undefined;
  let events: Publisher;
  let db: Client;
  const groupId = uniqueName('replicator-crash');
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 2000, throttle: true });
    events = await publisher();
    db = await replicatorDb();
  });
  afterAll(async () => {
    await replicator?.stop();
    await events?.close();
    await db?.end();
    await fidelity?.close();
  });

  const start = async () => {
    const service = await startServiceProcess('replicator', {
      ...FAST_REPLICATOR_ENV,
      COPY_MAX_ATTEMPTS: '20',
      COPY_RETRY_BASE_MS: '500',
      AWS_ENDPOINT_URL: fidelity.url,
      KAFKA_GROUP_ID: groupId,
    });
    await waitReady(service);
    return service;
  };

  it('leaves exactly one copy per region', { timeout: 240_000 }, async () => {
    await commitGroupAtEnd(groupId);
    replicator = await start();
    const family = uniqueName('crash');
    const version = '2026.12.01-7';
    const source = await sourceImage(`src-${family}`);
    await fidelity.addFault({ action: 'CopyImage', kind: 'drop', when: 'after', count: 100_000 });
    await fidelity.resetCounters();
    await events.applySpec(familySpec(family, ['us-east-1', ...REGIONS]));
    await events.built(family, version, source);

    await eventually(
      async () => ((await fidelity.counters()).actions.CopyImage?.upstream ?? 0) >= REGIONS.length,
      60_000,
      'every region to have had its CopyImage reach moto',
    );
    replicator.child.kill('SIGKILL');
    await new Promise((r) => replicator!.child.once('exit', r));
    const before = await jobsOf(db, family);
    // the answers were lost: the replicator never learnt the copies' ids
    expect(before.map((j) => j.image_id)).toEqual(REGIONS.map(() => null));

    await fidelity.clearFaults();
    replicator = await start();
    const jobs = await waitForJobs(db, family, REGIONS.length, ['succeeded'], 90_000);
    for (const job of jobs) {
      const named = await imagesNamed(job.region, `ami-factory/${family}/${version}`);
      expect(named.map((i) => i.ImageId)).toEqual([job.image_id]);
    }
    const counters = await fidelity.counters();
    expect(counters.actions.CopyImage!.upstream).toBe(REGIONS.length);
    expect(counters.actions.CopyImage!.replayed).toBeGreaterThanOrEqual(REGIONS.length);
  });
});
