import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EnableImageDeregistrationProtectionCommand,
  RegisterImageCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  COPY_SUCCEEDED,
  IMAGE_LIFECYCLE_CHANGED,
  RETENTION_REPORTED,
  Topics,
  VERSION_IMPORTED,
} from '@ami/contracts';
import type { Client } from 'pg';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { collect, eventually, LOCAL_AUTH_SECRET, testKafka, uniqueName } from '@ami/testing';
import {
  facts,
  scannerDb,
  startScanner,
  type Facts,
  type ScannerHarness,
} from './scanner-harness.js';
import {
  clientInAccount,
  describeImage,
  taggedImage,
  ec2Clients,
  launch,
  launchTemplate,
  makeVersion,
  orphanSnapshot,
  REGIONS,
  retentionSpec,
  snapshotExists,
  versionsLearnt,
  type TestVersion,
} from './retention-support.js';

const run = promisify(execFile);

describe('retention: old versions deprecated, disabled and retired, never while in use', () => {
  let scanner: ScannerHarness;
  let publish: Facts;
  let db: Client;
  let ec2: Record<string, EC2Client>;
  let lifecycle: Awaited<ReturnType<typeof collect>>;
  const published = (type: string, family: string) =>
    lifecycle.messages
      .map((m) => JSON.parse(m.message.value!.toString()))
      .filter((e) => e.type === type && e.data.family === family);

  beforeAll(async () => {
    scanner = await startScanner({
      RETENTION_WORKER_INTERVAL_MS: '100',
      RETENTION_LEASE_MS: '5000',
      RETENTION_RETRY_BASE_MS: '300',
      RETENTION_RETRY_MAX_MS: '1000',
    });
    publish = await facts();
    db = await scannerDb();
    ec2 = ec2Clients(scanner);
    lifecycle = await collect(testKafka('retention-test-lifecycle'), [Topics.Lifecycle]);
  }, 60_000);

  afterAll(async () => {
    await lifecycle?.stop();
    for (const client of Object.values(ec2 ?? {})) client.destroy();
    await publish?.close();
    await db?.end();
    await scanner?.close();
  });

  /** npm run retention -- <args>, against this scanner. */
  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ['dist/tools/cli/retention.js', ...args], {
      env: {
        ...process.env,
        MAINTENANCE_SCANNER_URL: scanner.url,
        AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      },
    });
    return stdout;
  };

  const latestPlan = async (family: string) =>
    (await scanner.http('GET', `/v1/maintenance/families/${family}/retention/plans/latest`)).body;

  async function family(name: string, maintenance: object, ages: number[]): Promise<TestVersion[]> {
    await publish.applySpec(retentionSpec(name, maintenance));
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM maintenance_scanner.families WHERE id = $1', [name]))
          .rowCount === 1,
      20_000,
      `spec of ${name}`,
    );
    const versions: TestVersion[] = [];
    for (const [i, age] of ages.entries())
      versions.push(await makeVersion(ec2, publish, name, `2026.11.0${i + 1}-1`, age));
    await versionsLearnt(db, name, ages.length);
    return versions;
  }

  async function dryRun(name: string) {
    const res = await scanner.http('POST', `/v1/maintenance/families/${name}/retention/plans`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function executeAndWait(planId: string) {
    const res = await scanner.http(
      'POST',
      `/v1/maintenance/retention/plans/${planId}/execute`,
      undefined,
      'admin',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    let plan: any;
    await eventually(
      async () => {
        plan = (await scanner.http('GET', `/v1/maintenance/retention/plans/${planId}`)).body;
        return plan.state === 'done';
      },
      30_000,
      `plan ${planId} executed`,
    );
    return plan;
  }

  const gone = async (v: TestVersion) => {
    for (const region of REGIONS) {
      if (await describeImage(ec2[region]!, v.images[region]!)) return false;
      if (await snapshotExists(ec2[region]!, v.snapshots[region]!)) return false;
    }
    return true;
  };
  const present = async (v: TestVersion) => {
    for (const region of REGIONS)
      if (!(await describeImage(ec2[region]!, v.images[region]!))) return false;
    return true;
  };

  it('with keepLatest 2, a third build deprecates the oldest version in every region, and after the grace period retires it with its snapshots', async () => {
    const name = uniqueName('keep-two');
    // Retire 17 seconds after a version leaves the newest two.
    const [v1, v2] = await family(
      name,
      { keepLatest: 2, deprecateAfterDays: 0, retireAfterDays: 0.0002 },
      [0.002, 0.001],
    );
    await eventually(
      async () => (await latestPlan(name))?.planId !== undefined,
      20_000,
      'a first plan',
    );
    expect((await latestPlan(name)).actions).toEqual([]);
    const v3 = await makeVersion(ec2, publish, name, '2026.11.03-1', 0);
    await eventually(
      async () => {
        for (const region of REGIONS)
          if (!(await describeImage(ec2[region]!, v1!.images[region]!))?.DeprecationTime)
            return false;
        return true;
      },
      20_000,
      'the oldest version deprecated in both regions',
    );
    for (const v of [v2!, v3])
      for (const region of REGIONS)
        expect(
          (await describeImage(ec2[region]!, v.images[region]!))?.DeprecationTime,
        ).toBeUndefined();
    const deprecatedAt = new Date(
      (await describeImage(ec2['eu-west-1']!, v1!.images['eu-west-1']!))!.DeprecationTime!,
    );
    expect(Math.abs(deprecatedAt.getTime() - Date.now())).toBeLessThan(120_000);
    expect(await present(v1!)).toBe(true); // the grace period has not passed yet
    await eventually(() => gone(v1!), 60_000, 'the oldest version retired with its snapshots');
    expect(await present(v2!)).toBe(true);
    expect(await present(v3)).toBe(true);
    // Each copy's new state went out for the catalog and the permissions service.
    await eventually(
      () => published(IMAGE_LIFECYCLE_CHANGED, name).length === 4,
      20_000,
      'lifecycle changes of both copies',
    );
    expect(
      published(IMAGE_LIFECYCLE_CHANGED, name)
        .map((e) => `${e.data.state} ${e.data.version} ${e.data.region}`)
        .sort(),
    ).toEqual(
      REGIONS.flatMap((r) => [
        `deprecated ${v1!.version} ${r}`,
        `deregistered ${v1!.version} ${r}`,
      ]).sort(),
    );
    const audit = await db.query(
      `SELECT count(*) AS n FROM maintenance_scanner.retention_actions a JOIN maintenance_scanner.retention_plans p ON p.id = a.plan_id
       WHERE p.family = $1 AND a.action = 'deregister' AND a.state = 'done'`,
      [name],
    );
    expect(Number(audit.rows[0].n)).toBe(2);
  }, 120_000);

  it('keeps and reports versions used by an instance, by a launch template made by hand, or by a channel; the dry run is exactly what the run does', async () => {
    const name = uniqueName('in-use');
    const versions = await family(
      name,
      { keepLatest: 1, deprecateAfterDays: 0, retireAfterDays: 1, retentionMode: 'report-only' },
      [50, 40, 30, 20, 10],
    );
    const [v1, v2, v3, v4, v5] = versions as [
      TestVersion,
      TestVersion,
      TestVersion,
      TestVersion,
      TestVersion,
    ];
    const instance = await launch(ec2['us-east-1']!, v1.images['us-east-1']!);
    const template = await launchTemplate(
      ec2['eu-west-1']!,
      `${name}-by-hand`,
      v2.images['eu-west-1']!,
    );
    await publish.moved(name, 'prod', v3.version, 1);
    const orphan = await orphanSnapshot(ec2['us-east-1']!, name);
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM maintenance_scanner.channels WHERE family = $1', [name]))
          .rowCount === 1,
      20_000,
      'the channel move learnt',
    );

    // The schedule has planned with every fact (the channel move is the last): the counters
    // below see the dry run and the run alone.
    await eventually(
      async () =>
        (await latestPlan(name))?.kept?.some((k: any) =>
          k.reasons.includes('channel prod points to it'),
        ),
      20_000,
      'a scheduled plan that knows the channel',
    );
    await new Promise((r) => setTimeout(r, 500));
    await scanner.fidelity.resetCounters();
    const plan = await dryRun(name);
    const byAction = async () =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries((await scanner.fidelity.counters()).actions).map(([a, c]) => [a, c.ok]),
        ),
      );
    console.info(`calls for a dry run of 5 versions in 2 regions: ${await byAction()}`);
    expect(plan.state).toBe('planned');
    const kept = Object.fromEntries(plan.kept.map((k: any) => [k.version, k]));
    expect(kept[v1.version].usedBy).toEqual([
      expect.objectContaining({
        imageId: v1.images['us-east-1'],
        uses: [expect.objectContaining({ kind: 'ec2:Instance', id: instance })],
      }),
    ]);
    expect(kept[v2.version].usedBy).toEqual([
      expect.objectContaining({
        imageId: v2.images['eu-west-1'],
        uses: [expect.objectContaining({ kind: 'ec2:LaunchTemplate', id: template })],
      }),
    ]);
    expect(kept[v3.version].reasons).toEqual(['channel prod points to it']);
    expect(kept[v5.version].reasons).toEqual(['one of the newest versions (#1)']);
    expect(plan.actions.map((a: any) => `${a.action} ${a.version} ${a.region}`)).toEqual([
      `deregister ${v4.version} eu-west-1`,
      `deregister ${v4.version} us-east-1`,
      `delete-snapshot ${v4.version} eu-west-1`,
      `delete-snapshot ${v4.version} us-east-1`,
    ]);
    expect(plan.summary.bytesRecovered).toBeGreaterThan(0);
    const east = plan.storage.find((s: any) => s.region === 'us-east-1');
    expect(east).toMatchObject({ amiCount: 5, amiQuota: 50_000 });
    expect(east.snapshotGiB).toBeGreaterThan(0);
    expect(east.orphanedSnapshots.map((o: any) => o.snapshotId)).toEqual([orphan]);
    const reportOf = () =>
      published(RETENTION_REPORTED, name).find((e) => e.data.planId === plan.planId);
    await eventually(() => reportOf() !== undefined, 20_000, 'the dry run reported');
    const reported = reportOf();
    expect(reported.data.storage).toEqual(plan.storage);
    expect(reported.data.actions).toEqual({
      deprecate: 0,
      disable: 0,
      deregister: 2,
      deleteSnapshot: 2,
    });
    const storage = await scanner.http('GET', `/v1/maintenance/families/${name}/storage`);
    expect(storage.body).toMatchObject({
      family: name,
      planId: plan.planId,
      storage: plan.storage,
    });
    // A report-only family is never retired by the schedule: only the dry run above is executable.
    expect(await present(v4)).toBe(true);

    expect(
      (await scanner.http('POST', `/v1/maintenance/retention/plans/${plan.planId}/execute`)).status,
    ).toBe(403);
    await scanner.fidelity.resetCounters();
    const done = await executeAndWait(plan.planId);
    expect(done.actions.map((a: any) => [a.seq, a.state])).toEqual(
      plan.actions.map((a: any) => [a.seq, 'done']),
    );
    const counters = await scanner.fidelity.counters();
    console.info(`calls for executing it (1 version retired in 2 regions): ${await byAction()}`);
    expect(counters.actions['DeregisterImage']?.ok).toBe(2);
    expect(counters.actions['DeleteSnapshot']?.ok).toBe(2);
    expect(counters.actions['EnableImageDeprecation']).toBeUndefined();
    expect(counters.actions['DisableImage']).toBeUndefined();
    expect(await gone(v4)).toBe(true);
    for (const v of [v1, v2, v3, v5]) expect(await present(v)).toBe(true);
    expect(await snapshotExists(ec2['us-east-1']!, orphan)).toBe(true); // orphans are reported, not deleted
    // gRPC answers the same plan.
    const overGrpc = await scanner.grpc('GetRetentionPlan', { planId: plan.planId });
    expect(overGrpc).toMatchObject({ planId: plan.planId, family: name, state: 'done' });
    expect(overGrpc.actions.map((a: any) => `${a.state} ${a.action} ${a.imageId}`)).toEqual(
      done.actions.map((a: any) => `done ${a.action} ${a.imageId}`),
    );
    await expect(scanner.grpc('GetRetentionPlan', { planId: 'nope' })).rejects.toMatchObject({
      code: 3,
    });
    // The CLI shows the same plan, and what each action did.
    const shown = await cli('show', plan.planId);
    expect(shown).toContain(`plan ${plan.planId} for ${name}: done`);
    expect(shown).toContain(`done    deregister      ${v4.version}`);
    expect(shown).toContain(`keeps ${v3.version}: channel prod points to it`);
    expect(shown).toContain(`used by ec2:Instance ${instance}`);
    const again = await scanner.http(
      'POST',
      `/v1/maintenance/retention/plans/${plan.planId}/execute`,
      undefined,
      'admin',
    );
    expect(again.status).toBe(409);
    expect(again.body.detail ?? again.body.message).toContain('is done');
  }, 120_000);

  it('retires at most perRunCap versions a run, oldest first, and retries a copy EC2 refused while the others go on', async () => {
    const name = uniqueName('capped');
    const [v1, v2, v3] = (await family(
      name,
      {
        keepLatest: 1,
        deprecateAfterDays: 0,
        retireAfterDays: 1,
        perRunCap: 1,
        retentionMode: 'report-only',
      },
      [30, 20, 10],
    )) as [TestVersion, TestVersion, TestVersion];
    const plan = await dryRun(name);
    expect(
      new Set(
        plan.actions.filter((a: any) => a.action === 'deregister').map((a: any) => a.version),
      ),
    ).toEqual(new Set([v1.version]));
    expect(plan.kept.find((k: any) => k.version === v2.version).reasons).toContain(
      'the per-run cap of 1 retirements is reached; it waits for the next run',
    );
    // The deprecation v2 is due meanwhile is planned too.
    expect(
      plan.actions.filter((a: any) => a.version === v2.version).map((a: any) => a.action),
    ).toEqual(['deprecate', 'deprecate']);
    // eu-west-1 answers DeregisterImage with errors for the gateway's three attempts.
    await scanner.fidelity.addFault({
      action: 'DeregisterImage',
      kind: 'internal-error',
      region: 'eu-west-1',
      count: 3,
    });
    const done = await executeAndWait(plan.planId);
    const eu = done.actions.find((a: any) => a.action === 'deregister' && a.region === 'eu-west-1');
    expect(eu).toMatchObject({ state: 'done', attempts: 1 });
    expect(await gone(v1)).toBe(true);
    expect(await present(v2)).toBe(true);
    expect(await present(v3)).toBe(true);
  }, 120_000);

  it('checks usage again right before deregistering: an instance launched after the dry run keeps the version', async () => {
    const name = uniqueName('recheck');
    const [v1] = (await family(
      name,
      { keepLatest: 1, deprecateAfterDays: 0, retireAfterDays: 1, retentionMode: 'report-only' },
      [30, 10],
    )) as [TestVersion, TestVersion];
    const plan = await dryRun(name);
    expect(plan.summary.deregister).toBe(2);
    const instance = await launch(ec2['eu-west-1']!, v1.images['eu-west-1']!);
    const done = await executeAndWait(plan.planId);
    for (const a of done.actions) {
      expect(a.state).toBe('skipped');
      expect(a.reason).toMatch(
        a.action === 'deregister' ? new RegExp(instance) : /not deregistered|in use/,
      );
    }
    expect(await present(v1)).toBe(true);
    for (const region of REGIONS)
      expect(await snapshotExists(ec2[region]!, v1.snapshots[region]!)).toBe(true);
  }, 120_000);

  it('honours deregistration protection: the version goes no further than its earlier stages, and the plan says why', async () => {
    const name = uniqueName('protected');
    const [v1] = (await family(
      name,
      { keepLatest: 1, deprecateAfterDays: 0, retireAfterDays: 1, retentionMode: 'report-only' },
      [30, 10],
    )) as [TestVersion, TestVersion];
    await ec2['eu-west-1']!.send(
      new EnableImageDeregistrationProtectionCommand({ ImageId: v1.images['eu-west-1']! }),
    );
    const plan = await dryRun(name);
    expect(plan.actions.map((a: any) => a.action)).toEqual(['deprecate', 'deprecate']);
    expect(plan.kept.find((k: any) => k.version === v1.version).reasons).toEqual([
      `deregistration protection is on for ${v1.images['eu-west-1']} (eu-west-1)`,
    ]);
  }, 120_000);

  it('restores a disabled version in every region with one call, and holds it', async () => {
    const name = uniqueName('restore');
    const [v1] = (await family(
      name,
      { keepLatest: 1, deprecateAfterDays: 0, disableAfterDays: 0 },
      [30, 10],
    )) as [TestVersion, TestVersion];
    await eventually(
      async () => {
        for (const region of REGIONS)
          if ((await describeImage(ec2[region]!, v1.images[region]!))?.State !== 'disabled')
            return false;
        return true;
      },
      20_000,
      'the old version disabled in both regions',
    );
    const res = await scanner.http(
      'POST',
      `/v1/maintenance/families/${name}/versions/${v1.version}/restore`,
      {
        reason: 'a rollback needs it',
      },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.copies.map((c: any) => c.state)).toEqual(['available', 'available']);
    for (const region of REGIONS) {
      const image = await describeImage(ec2[region]!, v1.images[region]!);
      expect(image?.State).toBe('available');
      expect(image?.DeprecationTime).toBeUndefined();
    }
    const plan = await dryRun(name);
    expect(plan.actions).toEqual([]);
    expect(plan.kept.find((k: any) => k.version === v1.version).reasons).toEqual([
      'held: restored by tester: a rollback needs it',
    ]);
    const missing = await scanner.http(
      'POST',
      `/v1/maintenance/families/${name}/versions/1999.01.01-1/restore`,
      {
        reason: 'x',
      },
    );
    expect(missing.status).toBe(404);
  }, 120_000);

  it('retires an adopted image (imported, untagged, built elsewhere) by the same policy', async () => {
    const name = uniqueName('adopted');
    await publish.applySpec(
      retentionSpec(name, { keepLatest: 1, deprecateAfterDays: 0, retireAfterDays: 0 }),
    );
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM maintenance_scanner.families WHERE id = $1', [name]))
          .rowCount === 1,
      20_000,
      `spec of ${name}`,
    );
    const { ImageId } = await ec2['us-east-1']!.send(
      new RegisterImageCommand({
        Name: `packer-${name}`,
        RootDeviceName: '/dev/xvda',
        Architecture: 'x86_64',
      }),
    );
    const image = (await describeImage(ec2['us-east-1']!, ImageId!))!;
    const snapshot = image.BlockDeviceMappings!.find((m) => m.Ebs?.SnapshotId)!.Ebs!.SnapshotId!;
    await publish.publish(
      VERSION_IMPORTED,
      {
        family: name,
        version: '2026.11.01-i1',
        importedBy: 'tester',
        images: [
          {
            region: 'us-east-1',
            imageId: ImageId!,
            name: `packer-${name}`,
            snapshotIds: [snapshot],
            ownerId: '123456789012',
            ownerType: 'self',
            rootDeviceType: 'ebs',
            createdAt: null,
          },
        ],
      },
      name,
    );
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM maintenance_scanner.versions WHERE family = $1', [name]))
          .rowCount === 1,
      20_000,
      'the import learnt',
    );
    await new Promise((r) => setTimeout(r, 50)); // the next version is built after the import
    const built = await makeVersion(ec2, publish, name, '2026.11.02-1', 0);
    await eventually(
      async () => !(await describeImage(ec2['us-east-1']!, ImageId!)),
      30_000,
      'the adopted image retired',
    );
    await eventually(
      async () => !(await snapshotExists(ec2['us-east-1']!, snapshot)),
      20_000,
      'its snapshot deleted after the image',
    );
    expect(await present(built)).toBe(true);
  }, 120_000);

  it("retires an owned copy in another account with the rest of its version, through the account's role", async () => {
    const name = uniqueName('accounts');
    const other = '210987654321';
    const spec = retentionSpec(name, { keepLatest: 1, deprecateAfterDays: 0, retireAfterDays: 0 });
    spec.distribution!.accounts = [{ accountId: other, roleName: 'ami-factory-distribution' }];
    await publish.applySpec(spec);
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM maintenance_scanner.families WHERE id = $1', [name]))
          .rowCount === 1,
      20_000,
      `spec of ${name}`,
    );
    const inOther = clientInAccount('us-east-1', other);
    try {
      const old = await makeVersion(ec2, publish, name, '2026.11.01-1', 30);
      const owned = await taggedImage(inOther, name, '2026.11.01-1');
      await publish.publish(
        COPY_SUCCEEDED,
        {
          family: name,
          version: old.version,
          region: 'us-east-1',
          imageId: owned.imageId,
          snapshotIds: [owned.snapshotId],
          account: other,
        },
        name,
      );
      await eventually(
        async () =>
          (
            await db.query('SELECT 1 FROM maintenance_scanner.account_copies WHERE family = $1', [
              name,
            ])
          ).rowCount === 1,
        20_000,
        'the owned copy learnt',
      );
      await makeVersion(ec2, publish, name, '2026.11.02-1', 0);
      await eventually(() => gone(old), 30_000, "the platform's copies retired");
      await eventually(
        async () => !(await describeImage(inOther, owned.imageId)),
        30_000,
        'the owned copy retired',
      );
      await eventually(
        async () => !(await snapshotExists(inOther, owned.snapshotId)),
        20_000,
        "the owned copy's snapshot deleted",
      );
      const plan = await latestPlan(name);
      expect(plan.storage.map((s: any) => `${s.account}/${s.region}`)).toContain(
        `${other}/us-east-1`,
      );
    } finally {
      inOther.destroy();
    }
  }, 120_000);

  it('answers bad requests with 4xx and a reason', async () => {
    expect(
      (await scanner.http('POST', '/v1/maintenance/families/no-such-family/retention/plans'))
        .status,
    ).toBe(404);
    expect((await scanner.http('GET', '/v1/maintenance/retention/plans/not-a-uuid')).status).toBe(
      400,
    );
    const unknown = await scanner.http(
      'GET',
      '/v1/maintenance/retention/plans/00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.status).toBe(404);
    expect(
      (await scanner.http('POST', '/v1/maintenance/families/x/versions/1/restore', {})).status,
    ).toBe(400);
  });
});
