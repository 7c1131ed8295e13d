import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import type { Client } from 'pg';
import { CHANNEL_MOVED } from '@ami/contracts';
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
  ec2Client,
  FAST_REPLICATOR_ENV,
  familySpec,
  publisher,
  Publisher,
  replicatorDb,
  sourceImage,
} from './replicator-harness.js';

const REGIONS = ['us-east-1'];

/**
 * The replicator (the built service, as its own process) loses every launch template answer
 * (the proxy lets moto act, then drops the connection), is SIGKILLed while it waits on
 * ModifyLaunchTemplate, and is started again: the template ends with exactly one new
 * version, made the default, because the restarted worker looks before it sends.
 */
describe('replicator killed while writing launch templates, and restarted', () => {
  let fidelity: FidelityForTest;
  let replicator: ServiceProcess | undefined;
  let events: Publisher;
  let db: Client;
  const groupId = uniqueName('replicator-targets-crash');
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 500, throttle: true });
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
      TARGET_WORKER_INTERVAL_MS: '100',
      TARGET_IMAGE_POLL_MS: '200',
      TARGET_RETRY_BASE_MS: '300',
      TARGET_RETRY_MAX_MS: '1000',
      TARGET_MAX_ATTEMPTS: '50',
      TARGET_LEASE_MS: '2000',
      AWS_ENDPOINT_URL: fidelity.url,
      KAFKA_GROUP_ID: groupId,
    });
    await waitReady(service);
    return service;
  };

  it('leaves one new default version of the template', { timeout: 180_000 }, async () => {
    await commitGroupAtEnd(groupId);
    replicator = await start();
    const family = uniqueName('lt-crash');
    const templates: Record<string, string> = {};
    for (const region of REGIONS) {
      const ec2 = ec2Client(region);
      const out = await ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: `${family}-fleet`,
          LaunchTemplateData: { ImageId: 'ami-00000000' },
        }),
      );
      ec2.destroy();
      templates[region] = out.LaunchTemplate!.LaunchTemplateId!;
    }
    const spec = familySpec(family, REGIONS);
    spec.distribution = {
      regions: REGIONS,
      targets: {
        launchTemplates: REGIONS.map((region) => ({
          region,
          launchTemplateName: `${family}-fleet`,
        })),
      },
    };
    // the first CreateLaunchTemplateVersion answers are lost, and ModifyLaunchTemplate hangs
    await fidelity.addFault({
      action: 'CreateLaunchTemplateVersion',
      kind: 'drop',
      when: 'after',
      count: 2,
    });
    await fidelity.addFault({
      action: 'ModifyLaunchTemplate',
      kind: 'latency',
      latencyMs: 20_000,
      count: 100_000,
    });
    await fidelity.resetCounters();
    await events.applySpec(spec);
    const version = '2026.12.01-3';
    await events.built(family, version, await sourceImage(`src-${family}`));
    await events.publish(
      CHANNEL_MOVED,
      {
        family,
        channel: 'prod',
        version,
        previousVersion: null,
        movement: 'promote',
        movedBy: 'test',
        forced: false,
        sequence: 1,
      },
      family,
    );

    await eventually(
      async () => (await fidelity.faults()).some((r) => r.kind === 'latency' && r.hits >= 1),
      90_000,
      'the template to have its new version, and the replicator to wait on ModifyLaunchTemplate',
    );
    const killed = replicator;
    replicator = undefined;
    killed.child.kill('SIGKILL');
    await new Promise((r) => killed.child.once('exit', r));
    const before = (
      await db.query('SELECT state FROM replicator.distribution_targets WHERE family = $1', [
        family,
      ])
    ).rows;
    expect(before.map((r) => r.state)).not.toContain('written');

    await fidelity.clearFaults();
    replicator = await start();
    let rows: any[] = [];
    await eventually(
      async () => {
        rows = (
          await db.query(
            'SELECT * FROM replicator.distribution_targets WHERE family = $1 ORDER BY region',
            [family],
          )
        ).rows;
        return rows.length === REGIONS.length && rows.every((r) => r.state === 'written');
      },
      60_000,
      () =>
        `the target written (now ${JSON.stringify(rows.map((r) => [r.region, r.state, r.failure_code]))})`,
    );
    for (const region of REGIONS) {
      const ec2 = ec2Client(region);
      const out = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templates[region] }),
      );
      ec2.destroy();
      const versions = out.LaunchTemplateVersions!;
      expect(versions.map((v) => v.VersionNumber).sort()).toEqual([1, 2]);
      expect(versions.find((v) => v.DefaultVersion)?.VersionNumber).toBe(2);
    }
    expect(rows.map((r) => r.written_ref)).toEqual(['2']);
    // the same ClientToken answered every retry with the first version
    expect((await fidelity.counters()).actions.CreateLaunchTemplateVersion!.upstream).toBe(
      REGIONS.length,
    );
  });
});
