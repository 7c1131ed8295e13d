import {
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-ec2';
import type { Client } from 'pg';
import {
  COPY_FAILED,
  COPY_RELEASED,
  COPY_STARTED,
  COPY_SUCCEEDED,
  Topics,
  VERSION_IMPORTED,
} from '@ami/contracts';
import { collect, testKafka, uniqueName } from '@ami/testing';
import { copyClientToken } from '../src/copies/copy-naming.js';
import {
  ec2Client,
  familySpec,
  imagesNamed,
  jobsOf,
  kmsKey,
  publisher,
  Publisher,
  ReplicatorHarness,
  replicatorDb,
  sourceImage,
  startReplicator,
  waitForJobs,
} from './replicator-harness.js';

const ACCOUNT = '123456789012';
const DESTINATIONS = ['eu-west-1', 'eu-central-1', 'ap-southeast-2', 'sa-east-1'];

const eventsOf = (messages: Array<{ message: { value: Buffer | null } }>, family: string) =>
  messages
    .map((m) => JSON.parse(m.message.value!.toString()))
    .filter((e) => e.data?.family === family);

/**
 * The replicator in-process against Kafka, PostgreSQL and moto behind the fidelity proxy with
 * pending copies and throttling on.
 */
describe('replicator', () => {
  let replicator: ReplicatorHarness;
  let events: Publisher;
  let db: Client;
  beforeAll(async () => {
    replicator = await startReplicator({ pendingMs: 1500 });
    events = await publisher();
    db = await replicatorDb();
  });
  afterAll(async () => {
    await events?.close();
    await db?.end();
    await replicator?.close();
  });

  it('copies a built version to every distribution region, tagged, encrypted where asked, with its snapshots', async () => {
    const family = uniqueName('fanout');
    const version = '2026.12.01-1';
    const source = await sourceImage(`src-${family}`);
    const east = ec2Client('us-east-1');
    await east.send(
      new CreateTagsCommand({ Resources: [source], Tags: [{ Key: 'team', Value: 'platform' }] }),
    );
    east.destroy();
    const key = await kmsKey('eu-central-1');
    const copies = await collect(testKafka('replicator-test-collector'), [Topics.Copies]);
    await replicator.fidelity.resetCounters();

    await events.applySpec(
      familySpec(family, ['us-east-1', ...DESTINATIONS], { 'eu-central-1': key }),
    );
    await events.built(family, version, source);
    const jobs = await waitForJobs(db, family, 4, ['succeeded']);

    expect(jobs.map((j) => j.region).sort()).toEqual([...DESTINATIONS].sort());
    for (const job of jobs) {
      // exactly one copy per region, under the deterministic name, with the derived ClientToken
      const named = await imagesNamed(job.region, `ami-factory/${family}/${version}`);
      expect(named.map((i) => i.ImageId)).toEqual([job.image_id]);
      expect(job.client_token).toBe(
        copyClientToken({ family, version, region: job.region, generation: 1 }),
      );
      const tags = Object.fromEntries((named[0]!.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({
        team: 'platform', // CopyImageTags
        'ami-factory:family': family,
        'ami-factory:version': version,
        'ami-factory:source-image-id': source,
        'ami-factory:source-region': 'us-east-1',
      });
      // the copy's snapshots are recorded against it, and carry the lineage tags
      expect(job.snapshot_ids).toEqual(
        named[0]!.BlockDeviceMappings!.map((m) => m.Ebs?.SnapshotId).filter(Boolean),
      );
      const ec2 = ec2Client(job.region);
      const snapshots = await ec2.send(
        new DescribeSnapshotsCommand({ SnapshotIds: job.snapshot_ids }),
      );
      ec2.destroy();
      for (const snapshot of snapshots.Snapshots ?? [])
        expect(snapshot.Tags?.find((t) => t.Key === 'ami-factory:version')?.Value).toBe(version);
      const recorded = replicator.fidelity.proxy.state.copies.get(
        { account: ACCOUNT, region: job.region },
        job.image_id,
      );
      expect(recorded?.kmsKeyId).toBe(job.region === 'eu-central-1' ? key : undefined);
      expect(recorded?.encrypted).toBe(job.region === 'eu-central-1');
    }

    const published = eventsOf(
      await copies.waitFor((m) => eventsOf(m, family).length >= 8),
      family,
    );
    await copies.stop();
    const succeeded = published.filter((e) => e.type === COPY_SUCCEEDED);
    expect(published.filter((e) => e.type === COPY_STARTED)).toHaveLength(4);
    expect(succeeded.map((e) => e.data).sort((a, b) => a.region.localeCompare(b.region))).toEqual(
      jobs.map((j) => ({
        family,
        version,
        region: j.region,
        imageId: j.image_id,
        snapshotIds: j.snapshot_ids,
        sourceRegion: 'us-east-1',
        sourceImageId: source,
        jobId: j.id,
      })),
    );
    // one CopyImage reached moto per region
    const counters = await replicator.fidelity.counters();
    expect(counters.actions.CopyImage!.upstream).toBe(4);
  });

  it('makes owned copies in another account, once per account and region, from a source shared with it', async () => {
    const family = uniqueName('owned');
    const version = '2026.12.01-2';
    const other = '210987654321';
    const source = await sourceImage(`src-${family}`);
    const copies = await collect(testKafka('replicator-test-collector'), [Topics.Copies]);
    const spec = familySpec(family, ['us-east-1', 'eu-west-1']);
    spec.distribution!.accounts = [
      { accountId: other, roleName: 'ami-factory-distribution' },
      { accountId: ACCOUNT }, // the platform's own: refused, its copies are the regional ones
    ];
    await events.applySpec(spec);
    await replicator.fidelity.resetCounters();
    await events.built(family, version, source);
    const jobs = await waitForJobs(db, family, 3, ['succeeded']);

    const owned = jobs.filter((j) => j.account === other);
    expect(owned.map((j) => j.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(jobs.filter((j) => j.account === null).map((j) => j.region)).toEqual(['eu-west-1']);
    for (const job of owned) {
      const named = await imagesNamed(job.region, `ami-factory/${family}/${version}`, other);
      expect(named.map((i) => i.ImageId)).toEqual([job.image_id]);
      expect(named[0]!.OwnerId).toBe(other);
      expect(job.client_token).toBe(
        copyClientToken({ family, version, region: job.region, generation: 1, account: other }),
      );
    }
    // the source is shared with the account the copies are made in
    const east = ec2Client('us-east-1');
    const permissions = await east.send(
      new DescribeImageAttributeCommand({ ImageId: source, Attribute: 'launchPermission' }),
    );
    east.destroy();
    expect(permissions.LaunchPermissions?.map((p) => p.UserId)).toContain(other);

    const published = eventsOf(
      await copies.waitFor(
        (m) => eventsOf(m, family).filter((e) => e.type === COPY_SUCCEEDED).length >= 3,
      ),
      family,
    );
    await copies.stop();
    expect(
      published
        .filter((e) => e.type === COPY_SUCCEEDED && e.data.account === other)
        .map((e) => e.data.region)
        .sort(),
    ).toEqual(['eu-west-1', 'us-east-1']);
    const counters = await replicator.fidelity.counters();
    const calls = Object.fromEntries(
      Object.entries(counters.scopes)
        .filter(([scope]) => scope.startsWith(`${other}/`))
        .map(([scope, actions]) => [
          scope,
          Object.fromEntries(Object.entries(actions).map(([a, c]) => [a, c.ok])),
        ]),
    );
    console.info(`calls in the other account for 2 owned copies: ${JSON.stringify(calls)}`);
    console.info(
      `calls in the platform account: ModifyImageAttribute ${counters.actions.ModifyImageAttribute?.ok ?? 0}, ModifySnapshotAttribute ${counters.actions.ModifySnapshotAttribute?.ok ?? 0}`,
    );
    expect(counters.actions.CopyImage!.upstream).toBe(3);
  });

  it('lists, shows, retries and requests copies over HTTP (problem+json errors) and gRPC', async () => {
    const family = uniqueName('api');
    const version = '2026.12.01-2';
    const source = await sourceImage(`src-${family}`);
    await events.applySpec(familySpec(family, ['us-east-1', 'eu-west-1']));
    await events.built(family, version, source);
    const [job] = await waitForJobs(db, family, 1, ['succeeded']);

    const listed = await replicator.http(
      'GET',
      `/v1/copies?family=${family}&state=succeeded`,
      undefined,
      'reader',
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((j: any) => [j.region, j.imageId])).toEqual([
      ['eu-west-1', job.image_id],
    ]);
    const shown = await replicator.http('GET', `/v1/copies/${job.id}`, undefined, 'reader');
    expect(shown.body).toMatchObject({ id: job.id, state: 'succeeded', sourceImageId: source });

    const badState = await replicator.http('GET', '/v1/copies?state=done', undefined, 'reader');
    expect(badState.status).toBe(400);
    expect(badState.type).toContain('application/problem+json');
    expect((await replicator.http('POST', `/v1/copies/${job.id}/retry`)).status).toBe(409);
    expect(
      (await replicator.http('POST', `/v1/copies/${job.id}/retry`, undefined, 'reader')).status,
    ).toBe(403);
    const unknown = await replicator.http('POST', '/v1/replications', {
      family,
      version: '2026.01.01-9',
    });
    expect(unknown.status).toBe(404);
    const again = await replicator.http('POST', '/v1/replications', { family, version });
    expect(again.status).toBe(202);
    expect(again.body.queued).toEqual([]);
    expect(again.body.existing.map((j: any) => j.id)).toEqual([job.id]);

    // the same use cases over gRPC, with the same roles
    const grpcList = await replicator.grpc('ListCopyJobs', { family });
    expect(grpcList.items.map((j: any) => [j.region, j.state, j.imageId])).toEqual([
      ['eu-west-1', 'succeeded', job.image_id],
    ]);
    expect((await replicator.grpc('GetCopyJob', { id: job.id })).sourceImageId).toBe(source);
    await expect(replicator.grpc('GetCopyJob', { id: crypto.randomUUID() })).rejects.toMatchObject({
      code: 5,
    });
    await expect(replicator.grpc('RetryCopyJob', { id: job.id })).rejects.toMatchObject({
      code: 7,
    });
    await expect(replicator.grpc('RetryCopyJob', { id: job.id }, 'operator')).rejects.toMatchObject(
      { code: 6 },
    );

    // the family gains a region: an explicit request copies the version there
    await events.applySpec(familySpec(family, ['us-east-1', 'eu-west-1', 'eu-west-3']), 2);
    let gained: any;
    await (async () => {
      for (let i = 0; i < 100; i++) {
        gained = await replicator.http('POST', '/v1/replications', { family, version });
        if (gained.body.queued?.length) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    expect(gained.body.queued.map((j: any) => j.region)).toEqual(['eu-west-3']);
    await waitForJobs(db, family, 2, ['succeeded']);
  });

  it('fails only the jobs of a bad region or an unusable KMS key, with AWS reason and no retries', async () => {
    const family = uniqueName('faults');
    const version = '2026.12.01-3';
    const source = await sourceImage(`src-${family}`);
    const disabled = await kmsKey('eu-north-1', { disabled: true });
    const missing = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
    const copies = await collect(testKafka('replicator-test-collector'), [Topics.Copies]);
    await replicator.fidelity.resetCounters();
    await events.applySpec(
      familySpec(
        family,
        ['us-east-1', 'eu-west-1', 'ap-east-1', 'xx-nowhere-1', 'eu-west-2', 'eu-north-1'],
        {
          'eu-west-2': missing,
          'eu-north-1': disabled,
        },
      ),
    );
    await events.built(family, version, source);
    const jobs = await waitForJobs(db, family, 5, ['succeeded', 'failed'], 60_000);
    const byRegion = Object.fromEntries(jobs.map((j) => [j.region, j]));

    expect(byRegion['eu-west-1'].state).toBe('succeeded');
    expect(byRegion['ap-east-1']).toMatchObject({ state: 'failed', failure_code: 'OptInRequired' });
    expect(byRegion['xx-nowhere-1']).toMatchObject({
      state: 'failed',
      failure_code: 'InvalidRegion',
      failure_reason: 'xx-nowhere-1 is not an EC2 region',
    });
    expect(byRegion['eu-west-2']).toMatchObject({
      state: 'failed',
      failure_code: 'InvalidParameterValue',
      attempt: 1,
    });
    expect(byRegion['eu-west-2'].failure_reason).toContain(`The KMS key ${missing} does not exist`);
    expect(byRegion['eu-north-1']).toMatchObject({
      state: 'failed',
      failure_code: 'Client.InvalidKMSKey.InvalidState',
      generation: 1,
    });
    // no retry storm: one CopyImage in each KMS region, none where the region is bad
    const counters = await replicator.fidelity.counters();
    const copyCalls = (region: string) => {
      const c = counters.scopes[`${ACCOUNT}/${region}`]?.CopyImage;
      return c ? c.ok + c.error + c.throttled + c.fault : 0;
    };
    expect(['eu-west-2', 'eu-north-1', 'ap-east-1', 'xx-nowhere-1'].map(copyCalls)).toEqual([
      1, 1, 0, 0,
    ]);
    // the failed copy was deregistered: nothing of the version is left in eu-north-1
    expect(await imagesNamed('eu-north-1', `ami-factory/${family}/${version}`)).toEqual([]);

    const failed = eventsOf(
      await copies.waitFor(
        (m) => eventsOf(m, family).filter((e) => e.type === COPY_FAILED).length >= 4,
      ),
      family,
    ).filter((e) => e.type === COPY_FAILED);
    await copies.stop();
    expect(failed.map((e) => e.data.region).sort()).toEqual([
      'ap-east-1',
      'eu-north-1',
      'eu-west-2',
      'xx-nowhere-1',
    ]);
    for (const event of failed)
      expect(event.data.reason).toBe(byRegion[event.data.region].failure_reason);
  });

  it('copies an imported version only to the regions it has no image in', async () => {
    const family = uniqueName('imported');
    const version = '2026.12.01-i1';
    const east = await sourceImage(`src-${family}`);
    const west = await sourceImage(`src-${family}`, 'eu-west-1');
    await events.applySpec(familySpec(family, ['us-east-1', 'eu-west-1', 'eu-central-1']));
    const image = (region: string, imageId: string) => ({
      region,
      imageId,
      name: `src-${family}`,
      snapshotIds: [],
      ownerId: ACCOUNT,
      ownerType: 'self' as const,
      rootDeviceType: 'ebs' as const,
      createdAt: null,
    });
    await events.publish(
      VERSION_IMPORTED,
      {
        family,
        version,
        importedBy: 'tester',
        images: [image('eu-west-1', west), image('us-east-1', east)],
      },
      family,
    );
    const [job] = await waitForJobs(db, family, 1, ['succeeded']);
    expect(job).toMatchObject({
      region: 'eu-central-1',
      source_region: 'eu-west-1',
      source_image_id: west,
      requested_by: 'tester',
    });
  });

  it('keeps the copies of a region removed from the distribution and hands them to retention', async () => {
    const family = uniqueName('removal');
    const version = '2026.12.01-4';
    const source = await sourceImage(`src-${family}`);
    await events.applySpec(familySpec(family, ['us-east-1', 'eu-west-1', 'ca-central-1']));
    await events.built(family, version, source);
    const jobs = await waitForJobs(db, family, 2, ['succeeded']);
    const removed = jobs.find((j) => j.region === 'ca-central-1');
    const copies = await collect(testKafka('replicator-test-collector'), [Topics.Copies]);

    await events.applySpec(familySpec(family, ['us-east-1', 'eu-west-1']), 2);
    const released = eventsOf(
      await copies.waitFor((m) => eventsOf(m, family).some((e) => e.type === COPY_RELEASED)),
      family,
    ).filter((e) => e.type === COPY_RELEASED);
    await copies.stop();
    expect(released.map((e) => e.data)).toEqual([
      expect.objectContaining({
        region: 'ca-central-1',
        imageId: removed.image_id,
        snapshotIds: removed.snapshot_ids,
        specVersion: 2,
      }),
    ]);
    const after = await jobsOf(db, family);
    expect(after.find((j) => j.region === 'ca-central-1')).toMatchObject({
      state: 'succeeded',
      released_spec_version: 2,
    });
    // the copy itself is still there
    const ec2 = ec2Client('ca-central-1');
    const still = await ec2.send(new DescribeImagesCommand({ ImageIds: [removed.image_id] }));
    ec2.destroy();
    expect(still.Images?.[0]?.State).toBe('available');
  });
});
