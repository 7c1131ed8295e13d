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
/** Another account that gets owned copies in two of the regions. */
const OTHER = '210987654321';
const OTHER_REGIONS = ['eu-west-1', 'eu-central-1'];
const COPIES = REGIONS.length + OTHER_REGIONS.length;

/**
 * The replicator (the built service, as its own process) loses every CopyImage answer (the
 * proxy lets moto act, then drops the connection), is SIGKILLed once every region's CopyImage
 * has reached moto, and is started again: each region, and each region of another account
 * that gets owned copies, ends with exactly one copy, and no second CopyImage ever reached
 * moto (the same ClientToken returned the same copy).
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
    const spec = familySpec(family, ['us-east-1', ...REGIONS]);
    spec.distribution!.accounts = [{ accountId: OTHER, regions: OTHER_REGIONS }];
    await events.applySpec(spec);
    await events.built(family, version, source);

    await eventually(
      async () => ((await fidelity.counters()).actions.CopyImage?.upstream ?? 0) >= COPIES,
      60_000,
      'every region and account to have had its CopyImage reach moto',
    );
    replicator.child.kill('SIGKILL');
    await new Promise((r) => replicator!.child.once('exit', r));
    const before = await jobsOf(db, family);
    // the answers were lost: the replicator never learnt the copies' ids
    expect(before.map((j) => j.image_id)).toEqual(before.map(() => null));
    expect(before).toHaveLength(COPIES);

    await fidelity.clearFaults();
    replicator = await start();
    const jobs = await waitForJobs(db, family, COPIES, ['succeeded'], 90_000);
    for (const job of jobs) {
      const name = `ami-factory/${family}/${version}`;
      const named = await imagesNamed(job.region, name, job.account ?? undefined);
      expect(named.map((i) => i.ImageId)).toEqual([job.image_id]);
    }
    expect(
      jobs
        .filter((j) => j.account === OTHER)
        .map((j) => j.region)
        .sort(),
    ).toEqual([...OTHER_REGIONS].sort());
    const counters = await fidelity.counters();
    expect(counters.actions.CopyImage!.upstream).toBe(COPIES);
    expect(counters.actions.CopyImage!.replayed).toBeGreaterThanOrEqual(COPIES);
  });
});
