import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Client } from 'pg';
import {
  AUDIT_RECORDED,
  CHANNEL_MOVED,
  DISTRIBUTION_TARGET_DRIFTED,
  DISTRIBUTION_TARGET_WRITTEN,
  Topics,
} from '@ami/contracts';
import { collect, eventually, testEnv, testKafka, uniqueName } from '@ami/testing';
import {
  ec2Client,
  familySpec,
  publisher,
  Publisher,
  ReplicatorHarness,
  replicatorDb,
  sourceImage,
  startReplicator,
  waitForJobs,
} from './replicator-harness.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function ssmClient(region: string): SSMClient {
  return new SSMClient({ region, endpoint: testEnv().motoUrl, credentials, maxAttempts: 5 });
}

async function parameter(region: string, name: string): Promise<string | undefined> {
  const ssm = ssmClient(region);
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } finally {
    ssm.destroy();
  }
}

/** The image of a launch template's default version, straight from moto. */
async function defaultImage(region: string, templateId: string): Promise<string | undefined> {
  const ec2 = ec2Client(region);
  try {
    const out = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: templateId,
        Versions: ['$Default'],
      }),
    );
    return out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId;
  } finally {
    ec2.destroy();
  }
}

async function launchTemplate(region: string, name: string): Promise<string> {
  const ec2 = ec2Client(region);
  try {
    const out = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        LaunchTemplateData: { ImageId: 'ami-00000000', InstanceType: 't3.micro' },
      }),
    );
    return out.LaunchTemplate!.LaunchTemplateId!;
  } finally {
    ec2.destroy();
  }
}

async function targetsOf(db: Client, family: string) {
  return (
    await db.query(
      'SELECT * FROM replicator.distribution_targets WHERE family = $1 ORDER BY kind, region, target',
      [family],
    )
  ).rows;
}

/** Waits until every target of the family is written with the version. */
async function waitWritten(db: Client, family: string, count: number, version: string) {
  let rows: any[] = [];
  await eventually(
    async () => {
      rows = await targetsOf(db, family);
      return (
        rows.length === count &&
        rows.every((r) => r.state === 'written' && r.written_version === version)
      );
    },
    60_000,
    () =>
      `${count} targets of ${family} written with ${version} (now: ${JSON.stringify(
        rows.map((r) => [r.kind, r.region, r.state, r.written_version, r.failure_reason]),
      )})`,
  );
  return rows;
}

type Collected = Array<{ message: { value: Buffer | null } }>;
const eventsOf = (messages: Collected, family: string, type: string) =>
  messages
    .map((m) => JSON.parse(m.message.value!.toString()))
    .filter(
      (e) => e.type === type && (e.data?.family === family || e.data?.subject?.family === family),
    );

const moveCalls = [
  'ssm:GetParameter',
  'ssm:PutParameter',
  'DescribeLaunchTemplateVersions',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
];

/**
 * Channel moves written into SSM parameters and launch templates in three regions, against
 * Kafka, PostgreSQL and moto behind the fidelity proxy (throttling and pending images on).
 */
describe('distribution targets', () => {
  let replicator: ReplicatorHarness;
  let events: Publisher;
  let db: Client;
  beforeAll(async () => {
    replicator = await startReplicator({
      pendingMs: 1000,
      env: {
        TARGET_WORKER_INTERVAL_MS: '100',
        TARGET_IMAGE_POLL_MS: '200',
        TARGET_RETRY_BASE_MS: '200',
        TARGET_RETRY_MAX_MS: '1000',
        TARGET_LEASE_MS: '3000',
      },
    });
    events = await publisher();
    db = await replicatorDb();
  });
  afterAll(async () => {
    await events?.close();
    await db?.end();
    await replicator?.close();
  });

  /** A version built in us-east-1 and copied to the other regions; its image per region. */
  async function version(family: string, v: string): Promise<Record<string, string>> {
    const source = await sourceImage(`${family}-${v}`, 'us-east-1');
    await events.built(family, v, source);
    await eventually(
      async () =>
        (
          await db.query('SELECT 1 FROM replicator.versions WHERE family = $1 AND version = $2', [
            family,
            v,
          ])
        ).rowCount === 1,
      30_000,
      `version ${v} known`,
    );
    return { 'us-east-1': source };
  }

  async function imagesOf(family: string, v: string): Promise<Record<string, string>> {
    const jobs = (
      await db.query(
        `SELECT region, image_id FROM replicator.copy_jobs WHERE family = $1 AND version = $2 AND state = 'succeeded'`,
        [family, v],
      )
    ).rows;
    const [known] = (
      await db.query(
        'SELECT source_image_id FROM replicator.versions WHERE family = $1 AND version = $2',
        [family, v],
      )
    ).rows;
    return {
      'us-east-1': known.source_image_id,
      ...Object.fromEntries(jobs.map((j: any) => [j.region, j.image_id])),
    };
  }

  let sequence = 100;
  const move = (
    family: string,
    v: string,
    previous: string | null,
    movement: 'promote' | 'rollback',
  ) =>
    events.publish(
      CHANNEL_MOVED,
      {
        family,
        channel: 'prod',
        version: v,
        previousVersion: previous,
        movement,
        movedBy: 'test',
        forced: false,
        sequence: ++sequence,
      },
      family,
    );

  it('a promote writes the SSM parameter and a new default launch template version in 3 regions; a rollback restores the previous ids', async () => {
    const family = uniqueName('targets');
    const templates = Object.fromEntries(
      await Promise.all(
        REGIONS.map(async (r) => [r, await launchTemplate(r, `${family}-${r}`)] as const),
      ),
    );
    const spec = familySpec(family, REGIONS);
    spec.distribution = {
      regions: REGIONS,
      targets: {
        ssmParameters: [{ name: '/images/{family}/{channel}' }],
        launchTemplates: REGIONS.map((region) => ({
          region,
          channel: 'prod',
          launchTemplateId: templates[region],
        })),
      },
    };
    const seen = await collect(testKafka(), [Topics.Copies, Topics.Audit]);
    await events.applySpec(spec);
    await version(family, '2026.12.01-1');
    // promoted before its copies exist: the targets wait for them
    await move(family, '2026.12.01-1', null, 'promote');
    await waitForJobs(db, family, 2, ['succeeded']);
    await waitWritten(db, family, 6, '2026.12.01-1');
    const v1 = await imagesOf(family, '2026.12.01-1');
    for (const region of REGIONS) {
      expect(await parameter(region, `/images/${family}/prod`)).toBe(v1[region]);
      expect(await defaultImage(region, templates[region])).toBe(v1[region]);
    }

    await version(family, '2026.12.02-1');
    await waitForJobs(db, family, 4, ['succeeded']);
    const v2 = await imagesOf(family, '2026.12.02-1');
    await replicator.fidelity.resetCounters();
    await move(family, '2026.12.02-1', '2026.12.01-1', 'promote');
    await waitWritten(db, family, 6, '2026.12.02-1');
    const counters = await replicator.fidelity.counters();
    const calls = Object.fromEntries(moveCalls.map((a) => [a, counters.actions[a]?.ok ?? 0]));
    console.info(
      `calls for one channel move (3 regions, 1 parameter + 1 template each): ${JSON.stringify(calls)}`,
    );
    expect(calls).toEqual({
      'ssm:GetParameter': 3,
      'ssm:PutParameter': 3,
      DescribeLaunchTemplateVersions: 3,
      CreateLaunchTemplateVersion: 3,
      ModifyLaunchTemplate: 3,
    });
    for (const region of REGIONS) {
      expect(await parameter(region, `/images/${family}/prod`)).toBe(v2[region]);
      expect(await defaultImage(region, templates[region])).toBe(v2[region]);
    }

    await move(family, '2026.12.01-1', '2026.12.02-1', 'rollback');
    const rows = await waitWritten(db, family, 6, '2026.12.01-1');
    for (const region of REGIONS) {
      expect(await parameter(region, `/images/${family}/prod`)).toBe(v1[region]);
      expect(await defaultImage(region, templates[region])).toBe(v1[region]);
    }
    expect(
      rows.every((r) => r.movement === 'rollback' && r.previous_image_id === v2[r.region]),
    ).toBe(true);
    // the launch templates went 1 (created here) -> 2 (v1) -> 3 (v2) -> 4 (v1 again)
    expect(rows.filter((r) => r.kind === 'launch-template').map((r) => r.written_ref)).toEqual([
      '4',
      '4',
      '4',
    ]);

    const all = await seen.waitFor(
      (m) =>
        eventsOf(m, family, DISTRIBUTION_TARGET_WRITTEN).length >= 18 &&
        eventsOf(m, family, AUDIT_RECORDED).filter((a) => a.data.action === 'target.written')
          .length >= 18,
      30_000,
    );
    const written = eventsOf(all, family, DISTRIBUTION_TARGET_WRITTEN);
    expect(written.filter((e) => e.data.movement === 'rollback')).toHaveLength(6);
    const rollback = eventsOf(all, family, AUDIT_RECORDED).find(
      (a) =>
        a.data.action === 'target.written' &&
        a.data.after.movement === 'rollback' &&
        a.data.subject.region === 'eu-west-1' &&
        a.data.subject.target.startsWith('ssm'),
    );
    expect(rollback.data.before.imageId).toBe(v2['eu-west-1']);
    expect(rollback.data.after.imageId).toBe(v1['eu-west-1']);
    await seen.stop();
  });

  it('repairs a parameter and a default version changed by hand at the next reconcile, audited with before and after', async () => {
    const family = uniqueName('drift');
    const regions = ['us-east-1', 'eu-west-1'];
    const template = await launchTemplate('eu-west-1', `${family}-fleet`);
    const spec = familySpec(family, regions);
    spec.distribution = {
      regions,
      targets: {
        ssmParameters: [{ name: '/golden/{family}', channels: ['prod'] }],
        launchTemplates: [{ region: 'eu-west-1', launchTemplateName: `${family}-fleet` }],
      },
    };
    await events.applySpec(spec);
    await version(family, '2026.12.01-1');
    await waitForJobs(db, family, 1, ['succeeded']);
    await move(family, '2026.12.01-1', null, 'promote');
    await waitWritten(db, family, 3, '2026.12.01-1');
    const v1 = await imagesOf(family, '2026.12.01-1');

    const seen = await collect(testKafka(), [Topics.Copies, Topics.Audit]);
    const ssm = ssmClient('eu-west-1');
    await ssm.send(
      new PutParameterCommand({
        Name: `/golden/${family}`,
        Value: 'ami-0badc0ffee0000000',
        Type: 'String',
        Overwrite: true,
      }),
    );
    ssm.destroy();
    const ec2 = ec2Client('eu-west-1');
    await ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: template, DefaultVersion: '1' }),
    );
    ec2.destroy();

    const summary = await replicator.http('POST', '/v1/targets/reconcile', { family });
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ checked: 3, drifted: 2, unreadable: 0 });
    const rows = await waitWritten(db, family, 3, '2026.12.01-1');
    expect(rows.filter((r) => r.movement === 'repair')).toHaveLength(2);
    expect(await parameter('eu-west-1', `/golden/${family}`)).toBe(v1['eu-west-1']);
    expect(await defaultImage('eu-west-1', template)).toBe(v1['eu-west-1']);

    const all = await seen.waitFor(
      (m) =>
        eventsOf(m, family, AUDIT_RECORDED).filter((a) => a.data.action === 'target.repaired')
          .length >= 2,
      30_000,
    );
    const drifts = eventsOf(all, family, DISTRIBUTION_TARGET_DRIFTED);
    expect(drifts.map((d) => d.data.actualImageId).sort()).toEqual([
      'ami-00000000',
      'ami-0badc0ffee0000000',
    ]);
    const repaired = eventsOf(all, family, AUDIT_RECORDED).find(
      (a) => a.data.action === 'target.repaired' && a.data.subject.target.startsWith('ssm'),
    );
    expect(repaired.data.before.imageId).toBe('ami-0badc0ffee0000000');
    expect(repaired.data.after.imageId).toBe(v1['eu-west-1']);
    await seen.stop();

    // nothing changed since: a reconcile finds no drift and writes nothing
    await replicator.fidelity.resetCounters();
    const again = await replicator.http('POST', '/v1/targets/reconcile', { family });
    expect(again.body).toMatchObject({ checked: 3, drifted: 0 });
    const counters = await replicator.fidelity.counters();
    expect(counters.actions['ssm:GetParameters']?.ok).toBe(2);
    expect(counters.actions['ssm:PutParameter']).toBeUndefined();
  });

  it('fails a target whose launch template is missing, with the reason and backoff, while the others are written', async () => {
    const family = uniqueName('missing');
    const regions = ['us-east-1', 'eu-west-1'];
    const spec = familySpec(family, regions);
    spec.distribution = {
      regions,
      targets: {
        ssmParameters: [{}],
        launchTemplates: [{ region: 'eu-west-1', launchTemplateName: `${family}-absent` }],
      },
    };
    await events.applySpec(spec);
    await version(family, '2026.12.01-1');
    await move(family, '2026.12.01-1', null, 'promote');
    let rows: any[] = [];
    await eventually(
      async () => {
        rows = await targetsOf(db, family);
        const lt = rows.find((r) => r.kind === 'launch-template');
        return (
          rows.filter((r) => r.kind === 'ssm-parameter' && r.state === 'written').length === 2 &&
          lt?.state === 'failed' &&
          lt.attempt >= 3
        );
      },
      60_000,
      () =>
        `parameters written, template failing (now: ${JSON.stringify(rows.map((r) => [r.kind, r.state, r.attempt, r.failure_code]))})`,
    );
    const lt = rows.find((r) => r.kind === 'launch-template');
    expect(lt.failure_reason).toMatch(/NotFound/);
    expect(new Date(lt.next_attempt_at).getTime()).toBeGreaterThan(Date.now() - 1000);
    const listed = await replicator.http(
      'GET',
      `/v1/targets?family=${family}&state=failed`,
      undefined,
      'reader',
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({
      kind: 'launch-template',
      target: `name:${family}-absent`,
      state: 'failed',
    });
    const bad = await replicator.http('GET', '/v1/targets?state=lost', undefined, 'reader');
    expect(bad.status).toBe(400);
    // a spec without the template drops it (and the replicators of later tests do not retry it)
    await events.applySpec(
      { ...spec, distribution: { regions, targets: { ssmParameters: [{}] } } },
      2,
    );
    await eventually(
      async () => (await targetsOf(db, family)).every((r) => r.kind === 'ssm-parameter'),
      30_000,
      'the launch template target to be dropped',
    );
    expect(await parameter('us-east-1', `/images/${family}/prod`)).toBeDefined();
  });

  it('makes one launch template version and one parameter write when the answers are lost after EC2 acted', async () => {
    const family = uniqueName('lost');
    const regions = ['us-east-1'];
    const template = await launchTemplate('us-east-1', `${family}-fleet`);
    const spec = familySpec(family, regions);
    spec.distribution = {
      regions,
      targets: {
        ssmParameters: [{ name: '/lost/{family}/{channel}' }],
        launchTemplates: [{ region: 'us-east-1', launchTemplateId: template }],
      },
    };
    await events.applySpec(spec);
    const v1 = await version(family, '2026.12.01-1');
    for (const action of ['CreateLaunchTemplateVersion', 'ModifyLaunchTemplate', 'PutParameter'])
      await replicator.fidelity.addFault({ action, kind: 'drop', when: 'after', count: 1 });
    await move(family, '2026.12.01-1', null, 'promote');
    const rows = await waitWritten(db, family, 2, '2026.12.01-1');
    await replicator.fidelity.clearFaults();
    const ec2 = ec2Client('us-east-1');
    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template }),
    );
    ec2.destroy();
    expect(versions.LaunchTemplateVersions!.map((v) => v.VersionNumber).sort()).toEqual([1, 2]);
    expect(await defaultImage('us-east-1', template)).toBe(v1['us-east-1']);
    expect(rows.find((r) => r.kind === 'launch-template').written_ref).toBe('2');
    const ssm = ssmClient('us-east-1');
    const param = await ssm.send(new GetParameterCommand({ Name: `/lost/${family}/prod` }));
    ssm.destroy();
    expect(param.Parameter?.Value).toBe(v1['us-east-1']);
    // PutParameter has no token: the look before the next attempt finds it written
    expect(param.Parameter?.Version).toBe(1);
  });
});
