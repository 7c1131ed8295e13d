import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CopyImageCommand,
  DescribeImagesCommand,
  EC2Client,
  EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import type { Client } from 'pg';
import {
  BUILD_REJECTED,
  COPY_SUCCEEDED,
  FamilySpecInput,
  MAINTENANCE_PROMOTION_REQUESTED,
  Topics,
  VERSION_REVOKED,
} from '@ami/contracts';
import { collect, eventually, testEnv, testKafka, uniqueName } from '@ami/testing';
import {
  facts,
  putParameter,
  rebuildRequests,
  scannerDb,
  startScanner,
  type Facts,
  type ScannerHarness,
} from './scanner-harness.js';

const spec = (name: string, over: Partial<FamilySpecInput> = {}): FamilySpecInput => ({
  name,
  owner: 'platform-team',
  source: { ssmParameter: `/test/${name}/source` },
  build: { region: 'us-east-1' },
  ...over,
});

describe('maintenance scanner: rebuilds asked once per cause', () => {
  let scanner: ScannerHarness;
  let publish: Facts;
  let requests: Awaited<ReturnType<typeof rebuildRequests>>;
  let db: Client;

  beforeAll(async () => {
    // These tests count a scan's AWS calls; retention's planning (its own loop, with its own
    // inventory calls) is tested in retention.int-spec.ts.
    scanner = await startScanner({ RETENTION_SCHEDULE_ENABLED: 'false' });
    publish = await facts();
    requests = await rebuildRequests();
    db = await scannerDb();
  }, 60_000);

  afterAll(async () => {
    await requests?.stop();
    await publish?.close();
    await db?.end();
    await scanner?.close();
  });

  const row = async (family: string) =>
    (await db.query('SELECT * FROM maintenance_scanner.families WHERE id = $1', [family])).rows[0];

  /** Asks for a scan by API and waits until it has run (the row's last scan moved on). */
  async function scanNow(family: string) {
    const before = (await row(family))?.last_scan_at?.getTime() ?? 0;
    const res = await scanner.http('POST', '/v1/maintenance/scans', { family });
    expect(res.status).toBe(202);
    await eventually(
      async () => ((await row(family))?.last_scan_at?.getTime() ?? 0) > before,
      20_000,
      `a scan of ${family}`,
    );
  }

  async function builtFamily(
    name: string,
    over: Partial<FamilySpecInput>,
    source: string,
    daysAgo: number,
  ) {
    await publish.applySpec(spec(name, over));
    await eventually(async () => (await row(name)) !== undefined, 20_000, `spec of ${name}`);
    await publish.built(name, '2026.11.01-1', { sourceImageId: source, daysAgo });
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM maintenance_scanner.versions WHERE family = $1', [name]))
          .rowCount === 1,
      20_000,
      `version of ${name}`,
    );
  }

  it('asks exactly one rebuild of a stale family, however often it is scanned', async () => {
    const name = uniqueName('stale');
    await putParameter(`/test/${name}/source`, 'ami-0000000000000a001');
    await builtFamily(name, { maintenance: { maxAgeDays: 7 } }, 'ami-0000000000000a001', 10);
    await scanNow(name);
    await eventually(() => requests.of(name).length === 1, 20_000, `a rebuild request for ${name}`);
    await scanNow(name);
    await scanNow(name);
    const [request] = requests.of(name);
    expect(requests.of(name)).toHaveLength(1);
    expect(request.data).toMatchObject({
      family: name,
      requestedBy: 'maintenance-scanner',
      idempotencyKey: 'maintenance:stale:2026.11.01-1',
      force: true,
    });
    expect(request.data.reason).toMatch(/^stale: version 2026.11.01-1 is 10.0 days old/);
    const report = await scanner.http('GET', `/v1/maintenance/findings/${name}`);
    expect(report.status).toBe(200);
    expect(report.body.findings).toMatchObject({ stale: true, maxAgeDays: 7, sourceMoved: null });
    expect(report.body.findings.pendingRebuilds).toEqual([
      expect.objectContaining({ requestId: request.id, cause: 'stale', state: 'asked' }),
    ]);
  });

  it('asks exactly one rebuild when the SSM source parameter moves, with batched lookups', async () => {
    const name = uniqueName('moved');
    await putParameter(`/test/${name}/source`, 'ami-0000000000000b001');
    await builtFamily(name, {}, 'ami-0000000000000b001', 1);
    await scanNow(name);
    expect(requests.of(name)).toHaveLength(0);

    await putParameter(`/test/${name}/source`, 'ami-0000000000000b002');
    await scanner.fidelity.resetCounters();
    await scanNow(name);
    await eventually(() => requests.of(name).length === 1, 20_000, `a rebuild request for ${name}`);
    const counters = await scanner.fidelity.counters();
    console.info(
      `calls for one scan of an SSM-sourced family: ${JSON.stringify(
        Object.fromEntries(Object.entries(counters.actions).map(([a, c]) => [a, c.ok])),
      )}`,
    );
    expect(counters.actions['ssm:GetParameters']?.ok).toBe(1);
    expect(counters.actions['DescribeImages']?.ok).toBe(1);
    await scanNow(name);
    expect(requests.of(name)).toHaveLength(1);
    expect(requests.of(name)[0].data).toMatchObject({
      idempotencyKey: 'maintenance:source-moved:ami-0000000000000b002',
    });
    expect(requests.of(name)[0].data.force).toBeUndefined();
  });

  it('answers findings and scans over gRPC with the same rules as HTTP', async () => {
    const name = uniqueName('grpc');
    await builtFamily(name, {}, 'ami-0000000000000c002', 1);
    await scanNow(name);
    const findings = await scanner.grpc('GetFindings', { family: name });
    expect(findings).toMatchObject({
      family: name,
      lastBuildVersion: '2026.11.01-1',
      stale: false,
      sourceUnresolvable: `SSM parameter /test/${name}/source does not exist in us-east-1`,
    });
    await expect(
      scanner.grpc('GetFindings', { family: 'no-such-family-here' }),
    ).rejects.toMatchObject({ code: 5 });
    await expect(scanner.grpc('GetFindings', { family: 'Not A Name' })).rejects.toMatchObject({
      code: 3,
    });
    await expect(scanner.grpc('RequestScan', { family: name }, 'reader')).rejects.toMatchObject({
      code: 7,
    });
    expect(await scanner.grpc('RequestScan', { family: name }, 'operator')).toEqual({ queued: 1 });
  });

  it('reports a source that no longer resolves, and asks nothing', async () => {
    const name = uniqueName('gone');
    await builtFamily(name, {}, 'ami-0000000000000c001', 1);
    await scanNow(name);
    await scanNow(name);
    expect(requests.of(name)).toHaveLength(0);
    const report = await scanner.http('GET', `/v1/maintenance/findings/${name}`);
    expect(report.body.findings.sourceUnresolvable).toBe(
      `SSM parameter /test/${name}/source does not exist in us-east-1`,
    );
  });

  it('backs off after failed rebuilds, stops after three, and resumes on a spec change', async () => {
    const name = uniqueName('failing');
    await putParameter(`/test/${name}/source`, 'ami-0000000000000d001');
    await builtFamily(name, { maintenance: { maxAgeDays: 1 } }, 'ami-0000000000000d001', 5);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await scanNow(name);
      await eventually(() => requests.of(name).length === attempt, 20_000, `request ${attempt}`);
      const request = requests.of(name)[attempt - 1];
      expect(request.data.idempotencyKey).toBe(
        `maintenance:stale:2026.11.01-1${attempt === 1 ? '' : `#${attempt}`}`,
      );
      await publish.publish(
        BUILD_REJECTED,
        {
          family: name,
          requestId: request.id,
          reason: 'no capacity',
          requestedBy: 'maintenance-scanner',
        },
        name,
        request.id,
      );
      await eventually(
        async () => (await row(name)).consecutive_failures === attempt,
        20_000,
        `failure ${attempt} counted`,
      );
      await new Promise((r) => setTimeout(r, 1100)); // past the backoff (at most 1 s here)
    }
    expect((await row(name)).suspended_at).not.toBeNull();
    await scanNow(name);
    expect(requests.of(name)).toHaveLength(3);
    const report = await scanner.http('GET', `/v1/maintenance/findings/${name}`);
    expect(report.body.findings.failingRebuilds).toMatchObject({
      consecutiveFailures: 3,
      suspended: true,
    });

    await publish.applySpec(spec(name, { maintenance: { maxAgeDays: 1 } }), 2);
    await eventually(
      () => requests.of(name).length === 4,
      20_000,
      'a rebuild after the spec change',
    );
    expect((await row(name)).suspended_at).toBeNull();
  });

  it('cascades down a three-level lineage in order, promoting when the spec asks, each generation naming the cause that started it', async () => {
    const lifecycle = await collect(testKafka('scanner-test-cascade'), [Topics.Lifecycle]);
    const promotionsOf = (family: string) =>
      lifecycle.messages
        .map((m) => JSON.parse(m.message.value!.toString()))
        .filter((e) => e.type === MAINTENANCE_PROMOTION_REQUESTED && e.data.family === family);
    const base = uniqueName('base');
    const child = uniqueName('child');
    const grandchild = uniqueName('grandchild');
    await putParameter(`/test/${base}/source`, 'ami-0000000000000e001');
    const promote = { maintenance: { promoteAfterRebuild: { channel: 'prod' } } };
    await builtFamily(base, promote, 'ami-0000000000000e001', 1);
    await publish.moved(base, 'prod', '2026.11.01-1', 1);
    const fromParent = (parent: string) => ({
      source: { family: { name: parent, channel: 'prod' } },
    });
    await publish.applySpec(spec(child, { ...fromParent(base), ...promote }));
    await publish.applySpec(spec(grandchild, fromParent(child)));
    await eventually(async () => (await row(grandchild)) !== undefined, 20_000, 'specs');
    await publish.built(child, '2026.11.01-1', {
      sourceImageId: 'ami-0000000000000e101',
      parent: { family: base, version: '2026.11.01-1' },
    });
    await publish.built(grandchild, '2026.11.01-1', {
      sourceImageId: 'ami-0000000000000e201',
      parent: { family: child, version: '2026.11.01-1' },
    });
    await publish.moved(child, 'prod', '2026.11.01-1', 1);

    // The base's source moves: it is rebuilt; its new version is promoted.
    await putParameter(`/test/${base}/source`, 'ami-0000000000000e002');
    await scanNow(base);
    await eventually(() => requests.of(base).length === 1, 20_000, 'the base rebuild');
    await publish.built(base, '2026.12.03-1', {
      sourceImageId: 'ami-0000000000000e002',
      causedBy: requests.of(base)[0].id,
    });
    // Standing in for the catalog: a promotion request moves the channel.
    await eventually(() => promotionsOf(base).length === 1, 20_000, 'the base promotion');
    expect(promotionsOf(base)[0].data).toMatchObject({ version: '2026.12.03-1', channel: 'prod' });
    await publish.moved(base, 'prod', '2026.12.03-1', 2);
    await eventually(() => requests.of(child).length === 1, 20_000, 'the child rebuild');
    expect(requests.of(grandchild)).toHaveLength(0);
    expect(requests.of(child)[0].data.idempotencyKey).toBe(
      `maintenance:parent-moved:${base}/prod:2026.12.03-1`,
    );

    await publish.built(child, '2026.12.03-1', {
      sourceImageId: 'ami-0000000000000e102',
      parent: { family: base, version: '2026.12.03-1' },
      causedBy: requests.of(child)[0].id,
    });
    await eventually(() => promotionsOf(child).length === 1, 20_000, 'the child promotion');
    await publish.moved(child, 'prod', '2026.12.03-1', 2);
    await eventually(() => requests.of(grandchild).length === 1, 20_000, 'the grandchild rebuild');
    expect(requests.of(grandchild)[0].data.reason).toContain(
      `parent ${child} prod moved to 2026.12.03-1`,
    );
    expect(requests.of(child)).toHaveLength(1);
    expect(requests.of(base)).toHaveLength(1);
    const asks = await scanner.http('GET', `/v1/maintenance/rebuilds/${base}`);
    expect(asks.body.items[0]).toMatchObject({ state: 'succeeded', cause: 'source-moved' });
    // Every generation names the cause that started the cascade, and shares its correlation.
    const root = requests.of(base)[0];
    const origin = { family: base, cause: 'source-moved', requestId: root.id };
    for (const family of [child, grandchild]) {
      const [ask] = (await scanner.http('GET', `/v1/maintenance/rebuilds/${family}`)).body.items;
      expect(ask.cascadeOrigin).toMatchObject(origin);
      expect(requests.of(family)[0].correlationid).toBe(root.correlationid);
    }
    expect(promotionsOf(grandchild)).toHaveLength(0); // its spec does not ask for it
    await lifecycle.stop();
  });

  it('rebuilds the children of a revoked version from the version their parent fell back to, and flags the grandchildren', async () => {
    const base = uniqueName('rbase');
    const child = uniqueName('rchild');
    const grandchild = uniqueName('rgrand');
    await putParameter(`/test/${base}/source`, 'ami-0000000000000f001');
    await builtFamily(base, {}, 'ami-0000000000000f001', 3);
    await publish.built(base, '2026.11.02-1', { sourceImageId: 'ami-0000000000000f001' });
    await publish.moved(base, 'prod', '2026.11.01-1', 1);
    await publish.moved(base, 'prod', '2026.11.02-1', 2);
    const fromParent = (parent: string) => ({
      source: { family: { name: parent, channel: 'prod' } },
    });
    await publish.applySpec(spec(child, fromParent(base)));
    await publish.applySpec(spec(grandchild, fromParent(child)));
    await eventually(async () => (await row(grandchild)) !== undefined, 20_000, 'specs');
    await publish.built(child, '2026.11.02-1', {
      sourceImageId: 'ami-0000000000000f101',
      parent: { family: base, version: '2026.11.02-1' },
    });
    await publish.moved(child, 'prod', '2026.11.02-1', 1);
    await publish.built(grandchild, '2026.11.02-1', {
      sourceImageId: 'ami-0000000000000f201',
      parent: { family: child, version: '2026.11.02-1' },
    });
    await scanNow(grandchild);
    expect(requests.of(child)).toHaveLength(0);

    // The catalog revokes base 2026.11.02-1: prod falls back to 2026.11.01-1, then says so.
    await publish.moved(base, 'prod', '2026.11.01-1', 3);
    await publish.publish(
      VERSION_REVOKED,
      {
        family: base,
        version: '2026.11.02-1',
        reason: 'CVE-2026-0002',
        revokedBy: 'admin',
        channels: [{ channel: 'prod', fellBackTo: '2026.11.01-1' }],
      },
      base,
    );
    await eventually(() => requests.of(child).length === 1, 20_000, 'the child rebuild');
    expect(requests.of(child)[0].data.idempotencyKey).toBe(
      `maintenance:parent-revoked:${base}/2026.11.02-1`,
    );
    expect(requests.of(child)[0].data.reason).toContain('CVE-2026-0002');
    await eventually(
      async () =>
        (await scanner.http('GET', `/v1/maintenance/findings/${grandchild}`)).body.findings
          ?.revokedAncestors?.length === 1,
      20_000,
      'the grandchild flagged',
    );
    const flagged = await scanner.http('GET', `/v1/maintenance/findings/${grandchild}`);
    expect(flagged.body.findings.revokedAncestors).toEqual([
      { family: base, version: '2026.11.02-1', reason: 'CVE-2026-0002', generation: 2 },
    ]);
    expect(requests.of(grandchild)).toHaveLength(0);
  });

  it('promotes a rebuilt version once its copies exist, when the spec asks for it', async () => {
    const name = uniqueName('promote');
    const lifecycle = await collect(testKafka('scanner-test-lifecycle'), [Topics.Lifecycle]);
    try {
      await putParameter(`/test/${name}/source`, 'ami-0000000000000a101');
      await builtFamily(
        name,
        {
          distribution: { regions: ['us-east-1', 'eu-west-1'] },
          maintenance: { maxAgeDays: 1, promoteAfterRebuild: { channel: 'prod' } },
        },
        'ami-0000000000000a101',
        3,
      );
      await scanNow(name);
      await eventually(() => requests.of(name).length === 1, 20_000, 'the rebuild');
      await publish.built(name, '2026.12.03-1', {
        sourceImageId: 'ami-0000000000000a101',
        causedBy: requests.of(name)[0].id,
      });
      const promotions = () =>
        lifecycle.messages
          .map((m) => JSON.parse(m.message.value!.toString()))
          .filter((e) => e.type === MAINTENANCE_PROMOTION_REQUESTED && e.data.family === name);
      await scanNow(name);
      expect(promotions()).toHaveLength(0); // eu-west-1 has no copy yet
      await publish.publish(
        COPY_SUCCEEDED,
        {
          family: name,
          version: '2026.12.03-1',
          region: 'eu-west-1',
          imageId: 'ami-0000000000000a1e1',
          snapshotIds: [],
        },
        name,
      );
      await eventually(() => promotions().length === 1, 20_000, 'the promotion request');
      await scanNow(name);
      expect(promotions()).toHaveLength(1);
      expect(promotions()[0].data).toMatchObject({
        version: '2026.12.03-1',
        channel: 'prod',
        rebuildRequestId: requests.of(name)[0].id,
      });
    } finally {
      await lifecycle.stop();
    }
  });

  it('moves off a filter source whose image AWS deprecated, to the newest one that is not', async () => {
    const name = uniqueName('filter');
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: testEnv().motoUrl,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const proxied = new EC2Client({
      region: 'us-east-1',
      endpoint: scanner.fidelity.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    try {
      const base = (
        await ec2.send(
          new DescribeImagesCommand({
            Owners: ['amazon'],
            Filters: [{ Name: 'name', Values: ['al2023-ami-2023*'] }],
          }),
        )
      ).Images![0]!.ImageId!;
      const older = (
        await ec2.send(
          new CopyImageCommand({
            SourceImageId: base,
            SourceRegion: 'us-east-1',
            Name: `${name}-base-1`,
          }),
        )
      ).ImageId!;
      await new Promise((r) => setTimeout(r, 1100)); // a later CreationDate
      const newer = (
        await ec2.send(
          new CopyImageCommand({
            SourceImageId: base,
            SourceRegion: 'us-east-1',
            Name: `${name}-base-2`,
          }),
        )
      ).ImageId!;
      await builtFamily(
        name,
        {
          source: {
            filter: { owners: ['self'], filters: [{ name: 'name', values: [`${name}-base-*`] }] },
          },
        },
        newer,
        1,
      );
      await scanNow(name);
      expect(requests.of(name)).toHaveLength(0);

      await proxied.send(
        new EnableImageDeprecationCommand({
          ImageId: newer,
          // EC2 rounds to the nearest minute: 29 s ago is at most 1 s ahead once rounded.
          DeprecateAt: new Date(Date.now() - 29_000),
        }),
      );
      await new Promise((r) => setTimeout(r, 1500));
      await scanNow(name);
      await eventually(
        () => requests.of(name).length === 1,
        20_000,
        'a rebuild off the deprecated image',
      );
      expect(requests.of(name)[0].data.idempotencyKey).toBe(`maintenance:source-moved:${older}`);
      const report = await scanner.http('GET', `/v1/maintenance/findings/${name}`);
      expect(report.body.findings).toMatchObject({
        sourceDeprecated: true,
        sourceMoved: { from: newer, to: older },
      });
    } finally {
      ec2.destroy();
      proxied.destroy();
    }
  });
});
