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
});
