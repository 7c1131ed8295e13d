import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CreateLaunchTemplateCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Kafka, logLevel, type Producer, type SASLOptions } from 'kafkajs';
import { mintToken } from '@ami/auth';
import { REBUILD_REQUESTED, Topics } from '@ami/contracts';
import {
  collect,
  eventually,
  FidelityForTest,
  freePort,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  testKafka,
  testKafkaConnection,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { catalogGrpc, type CatalogGrpc } from './support/catalog-grpc.js';
import { adminCalls, FAST_BUILDER_ENV } from './support/journey.js';

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
const BUILD_REGION = 'us-east-1';
const REGIONS = [BUILD_REGION, 'eu-west-1', 'ap-southeast-2'];
/** The region whose launch template follows the prod channel. */
const TEMPLATE_REGION = 'eu-west-1';
const SHARED_WITH = '111122223333';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** A public topic's published JSON Schema, as a client outside the platform reads it. */
const published = (topic: string) =>
  JSON.parse(
    readFileSync(
      new URL(`../libs/contracts/schemas/${topic}.schema.json`, import.meta.url),
      'utf8',
    ),
  );
const rebuildRequestSchema = published(Topics.RebuildRequests);
const auditSchema = published(Topics.Audit);

interface AuditEvent {
  id: string;
  causationid?: string;
  correlationid?: string;
  partition: number;
  offset: bigint;
  /** The message as it is on the topic. */
  envelope: unknown;
  data: {
    actor: string;
    action: string;
    subject: {
      family: string;
      version?: string;
      region?: string;
      imageId?: string;
      channel?: string;
      target?: string;
    };
    before: Record<string, any> | null;
    after: Record<string, any> | null;
    outcome: string;
  };
}

/**
 * The whole platform as one journey, with the five services as separate processes on Kafka,
 * PostgreSQL and moto behind the fidelity proxy (pending images, throttling on): a CI pipeline
 * outside the platform asks for rebuilds with a plain Kafka producer; the builder builds, the
 * replicator copies to three regions and writes the SSM parameter and launch template targets,
 * permissions shares every copy, the catalog answers over HTTP and gRPC and promotes, the
 * scanner rebuilds a child family when its parent's channel moves and retires what retention
 * no longer keeps, except a version a hand-made launch template still uses. Every state change
 * is on ami.audit.v1 once, in causal order per family.
 */
describe('the platform journey: request, build, copy, share, resolve, promote, cascade, retire, audit', () => {
  let fidelity: FidelityForTest;
  let producer: Producer | undefined;
  let grpc: CatalogGrpc | undefined;
  let audit: Awaited<ReturnType<typeof collect>> | undefined;
  const services: ServiceProcess[] = [];
  const ec2: Record<string, EC2Client> = {};
  const ssm: Record<string, SSMClient> = {};
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 500, throttle: true });
    for (const region of REGIONS) {
      ec2[region] = new EC2Client({
        region,
        endpoint: fidelity.url,
        credentials,
        maxAttempts: 8,
      });
      ssm[region] = new SSMClient({ region, endpoint: fidelity.url, credentials, maxAttempts: 8 });
    }
  });
  afterAll(async () => {
    grpc?.close();
    // Everything at once: each stop waits for a graceful shutdown (leaving consumer groups).
    await Promise.all([producer?.disconnect(), audit?.stop(), ...services.map((s) => s.stop())]);
    for (const client of [...Object.values(ec2), ...Object.values(ssm)]) client.destroy();
    await fidelity?.close();
  });

  it('takes a family from a rebuild request on Kafka to a retired oldest version, audited in order', async () => {
    const testStart = Date.now();
    const parent = uniqueName('e2e-journey');
    const child = uniqueName('e2e-journey-child');
    // ── The five services, each its own process ────────────────────────────────────────────
    const env = { AWS_ENDPOINT_URL: fidelity.url };
    const grpcPort = await freePort();
    const start = async (name: string, extra: Record<string, string>) => {
      const service = await startServiceProcess(name, { ...env, ...extra });
      services.push(service);
      await waitReady(service);
      return service;
    };
    const [catalog, builder, replicator, permissions, scanner] = await Promise.all([
      start('catalog', { GRPC_PORT: String(grpcPort) }),
      start('builder', FAST_BUILDER_ENV),
      start('replicator', {
        COPY_POLL_INTERVAL_MS: '300',
        COPY_WORKER_INTERVAL_MS: '100',
        TARGET_WORKER_INTERVAL_MS: '100',
        TARGET_IMAGE_POLL_MS: '200',
        TARGET_RETRY_BASE_MS: '200',
        TARGET_RETRY_MAX_MS: '1000',
      }),
      start('permissions', {
        PERMISSIONS_WORKER_INTERVAL_MS: '100',
        PERMISSIONS_RETRY_BASE_MS: '200',
        PERMISSIONS_RETRY_MAX_MS: '1000',
      }),
      start('maintenance-scanner', {
        SCAN_WORKER_INTERVAL_MS: '200',
        RETENTION_WORKER_INTERVAL_MS: '200',
      }),
      // Collected from the end of the topic as it is now: only what this journey causes.
      collect(testKafka('platform-journey-audit'), [Topics.Audit]).then((c) => void (audit = c)),
    ]);
    // How long each step of the journey took, printed at the end (the suite has a time budget).
    const startedAt = Date.now();
    let phaseStart = startedAt;
    const phases: string[] = [`services ready ${((startedAt - testStart) / 1000).toFixed(1)} s`];
    const stepDone = () => {
      phases.push(`step ${phases.length} ${((Date.now() - phaseStart) / 1000).toFixed(1)} s`);
      phaseStart = Date.now();
    };
    /** A condition that asks AWS: polled every quarter second, not flat out (throttling is on). */
    const paced =
      (condition: () => Promise<boolean>): (() => Promise<boolean>) =>
      async () => {
        if (await condition()) return true;
        await new Promise((r) => setTimeout(r, 250));
        return false;
      };
    const call = await adminCalls();
    const token = await mintToken({
      subject: 'e2e',
      roles: ['admin'],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
    grpc = catalogGrpc(`127.0.0.1:${grpcPort}`, token);

    const versionsOf = async (family: string) =>
      ((await call(catalog.url, 'GET', `/v1/families/${family}/versions`)).body.items ??
        []) as any[];
    const buildsOf = async (family: string) =>
      ((await call(builder.url, 'GET', `/v1/builds?family=${family}`)).body.items ?? []) as any[];
    /** Waits for the family's n-th version in the catalog; returns it (newest first). */
    const nthVersion = async (family: string, n: number) => {
      let seen: any[] = [];
      let builds: any[] = [];
      await eventually(
        async () => {
          seen = await versionsOf(family);
          if (seen.length < n) builds = await buildsOf(family);
          return seen.length === n;
        },
        90_000,
        () =>
          `${n} versions of ${family} in the catalog (now ${seen.length}; builds ${JSON.stringify(builds.map((b) => [b.state, b.step, b.failureReason]))})`,
      );
      return seen[0];
    };
    /** Waits until the version is available in every region; returns its copies by region. */
    const copiedEverywhere = async (family: string, version: string) => {
      let copies: any[] = [];
      await eventually(
        async () => {
          const view = await call(catalog.url, 'GET', `/v1/families/${family}/versions/${version}`);
          copies = view.body.copies ?? [];
          return (
            copies.length === REGIONS.length && copies.every((c: any) => c.state === 'available')
          );
        },
        60_000,
        () =>
          `${family} ${version} available in ${REGIONS.join(', ')} (now ${JSON.stringify(copies.map((c) => [c.region, c.state]))})`,
      );
      return Object.fromEntries(copies.map((c: any) => [c.region, c])) as Record<string, any>;
    };
    const promote = async (family: string, version: string) => {
      const moved = await call(
        catalog.url,
        'POST',
        `/v1/families/${family}/channels/prod/promote`,
        { version },
      );
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    };
    const parameterValue = async (region: string) =>
      (
        await ssm[region]!.send(new GetParameterCommand({ Name: `/images/${parent}/prod` })).catch(
          () => undefined,
        )
      )?.Parameter?.Value;
    const templateImage = async (templateId: string, which: '$Default' | '$Latest') =>
      (
        await ec2[TEMPLATE_REGION]!.send(
          new DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: templateId,
            Versions: [which],
          }),
        )
      ).LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId;
    /** The prod channel's targets all hold the version's image of their region. */
    const targetsFollow = async (copies: Record<string, any>, version: string) => {
      let seen: unknown[] = [];
      await eventually(
        paced(async () => {
          seen = [
            ...(await Promise.all(REGIONS.map((r) => parameterValue(r)))),
            await templateImage(targetTemplate, '$Default'),
          ];
          return (
            REGIONS.every((r, i) => seen[i] === copies[r].imageId) &&
            seen[REGIONS.length] === copies[TEMPLATE_REGION].imageId
          );
        }),
        30_000,
        () =>
          `the SSM parameters and the launch template to hold ${version} (now ${JSON.stringify(seen)})`,
      );
    };

    // ── 1. A family spec, and a rebuild request from a producer outside the platform ───────
    // The launch template the prod channel keeps up to date, made by its owner beforehand.
    const targetTemplate = (
      await ec2[TEMPLATE_REGION]!.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: `${parent}-prod`,
          LaunchTemplateData: { ImageId: 'ami-00000000', InstanceType: 't3.micro' },
        }),
      )
    ).LaunchTemplate!.LaunchTemplateId!;
    const applied = await call(catalog.url, 'POST', '/v1/specs', {
      name: parent,
      owner: 'e2e',
      source: { ssmParameter: AL2023 },
      build: {
        region: BUILD_REGION,
        customisation: { steps: [{ name: 'harden', run: 'echo hardened' }] },
      },
      distribution: {
        regions: REGIONS,
        targets: {
          ssmParameters: [{ name: '/images/{family}/{channel}', channels: ['prod'] }],
          launchTemplates: [
            { region: TEMPLATE_REGION, channel: 'prod', launchTemplateId: targetTemplate },
          ],
        },
      },
      sharing: { accounts: [SHARED_WITH] },
      // Only the newest version is kept (and what prod points to, and what is in use); the
      // others are deprecated at once and retired 13 seconds after they stop being kept.
      maintenance: {
        keepLatest: 1,
        channelWindowDays: 0,
        deprecateAfterDays: 0,
        retireAfterDays: 0.00015,
        schedule: { cron: '0 3 1 1 *' },
      },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const childApplied = await call(catalog.url, 'POST', '/v1/specs', {
      name: child,
      owner: 'e2e',
      source: { family: { name: parent, channel: 'prod' } },
      build: { region: BUILD_REGION },
    });
    expect(childApplied.status, JSON.stringify(childApplied.body)).toBe(201);

    // A plain kafkajs producer with the platform's producer principal, and messages shaped by
    // the published schema alone (checked against it before they are sent).
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validRequest = ajv.compile(rebuildRequestSchema);
    const connection = testKafkaConnection('ci-pipeline', 'ami-producer');
    producer = new Kafka({
      clientId: connection.clientId,
      brokers: connection.brokers,
      sasl: connection.sasl as SASLOptions,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    const requestIds: string[] = [];
    const requestRebuild = async (n: number, force: boolean) => {
      const message = {
        specversion: '1.0',
        id: randomUUID(),
        source: '/ci/platform-journey',
        type: REBUILD_REQUESTED,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: {
          family: parent,
          reason: `pipeline run ${n}`,
          requestedBy: 'ci:platform-journey',
          idempotencyKey: `${parent}-run-${n}`,
          force,
        },
      };
      expect(validRequest(message), ajv.errorsText(validRequest.errors)).toBe(true);
      await producer!.send({
        topic: Topics.RebuildRequests,
        messages: [
          {
            key: parent,
            value: JSON.stringify(message),
            headers: { 'content-type': 'application/cloudevents+json' },
          },
        ],
      });
      requestIds.push(message.id);
    };
    await requestRebuild(1, false);

    stepDone();
    // ── 2. Built, copied to 3 regions, shared, visible over HTTP and gRPC ──────────────────
    const v1 = (await nthVersion(parent, 1)).version as string;
    const v1Copies = await copiedEverywhere(parent, v1);
    const sourceImage = (await ssm[BUILD_REGION]!.send(new GetParameterCommand({ Name: AL2023 })))
      .Parameter!.Value!;
    const v1View = (await call(catalog.url, 'GET', `/v1/families/${parent}/versions/${v1}`)).body;
    expect(v1View).toMatchObject({ origin: 'build', source: { imageId: sourceImage } });
    const firstBuilds = await buildsOf(parent);
    expect(firstBuilds).toHaveLength(1);
    expect(firstBuilds[0]).toMatchObject({
      state: 'succeeded',
      requestedBy: 'ci:platform-journey',
      reason: 'pipeline run 1',
    });

    // gRPC answers what HTTP answers.
    const overGrpc = await grpc.call('GetVersion', { family: parent, version: v1 });
    expect(overGrpc.copies.map((c: any) => [c.region, c.state, c.imageId]).sort()).toEqual(
      REGIONS.map((r) => [r, 'available', v1Copies[r].imageId]).sort(),
    );
    expect(overGrpc.sourceImageId).toBe(sourceImage);
    for (const region of REGIONS) {
      const http = await call(
        catalog.url,
        'GET',
        `/v1/families/${parent}/resolve?channel=latest&region=${region}`,
      );
      expect(http.body).toMatchObject({ version: v1, imageId: v1Copies[region].imageId });
      expect(
        await grpc.call('ResolveImage', { family: parent, channel: 'latest', region }),
      ).toMatchObject({ family: parent, region, version: v1, imageId: v1Copies[region].imageId });
    }

    // The pipeline's next run; v1's copies and shares are checked while it builds.
    await requestRebuild(2, true);
    const imageIn = async (region: string, imageId: string) =>
      (
        await ec2[region]!.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            IncludeDeprecated: true,
            IncludeDisabled: true,
            Filters: [{ Name: 'image-id', Values: [imageId] }],
          }),
        )
      ).Images?.[0];
    // Once v2 is built, v1 is no longer the newest: retention deprecates it at once and retires
    // it 13 seconds later. Watched from now on, so the deprecation is seen in EC2 before the
    // image goes.
    const deprecatedIn = new Map<string, string>();
    const goneBeforeDeprecated: string[] = [];
    const watchDeprecation = (async () => {
      const deadline = Date.now() + 120_000;
      while (deprecatedIn.size + goneBeforeDeprecated.length < REGIONS.length) {
        if (Date.now() > deadline) break;
        for (const region of REGIONS) {
          if (deprecatedIn.has(region) || goneBeforeDeprecated.includes(region)) continue;
          const image = await imageIn(region, v1Copies[region].imageId).catch(() => null);
          if (image === null) continue; // asked again on the next round
          if (!image) goneBeforeDeprecated.push(region);
          else if (image.DeprecationTime) deprecatedIn.set(region, image.DeprecationTime);
        }
        await new Promise((r) => setTimeout(r, 400));
      }
    })();

    // The replicator made one copy job per other region, each with the image the catalog shows.
    const jobs = (await call(replicator.url, 'GET', `/v1/copies?family=${parent}`)).body.items;
    const v1Jobs = jobs.filter((j: any) => j.version === v1);
    expect(v1Jobs.map((j: any) => [j.version, j.region, j.state, j.imageId]).sort()).toEqual(
      REGIONS.filter((r) => r !== BUILD_REGION)
        .map((r) => [v1, r, 'succeeded', v1Copies[r].imageId])
        .sort(),
    );

    // Launch permissions for the account on every copy, in EC2 and in the permissions service.
    const sharedWith = async (region: string, imageId: string) =>
      (
        await ec2[region]!.send(
          new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
        )
      ).LaunchPermissions?.map((p) => p.UserId ?? p.Group) ?? [];
    let shares: unknown[] = [];
    await eventually(
      paced(async () => {
        shares = await Promise.all(REGIONS.map((r) => sharedWith(r, v1Copies[r].imageId)));
        return shares.every((s) => JSON.stringify(s) === JSON.stringify([SHARED_WITH]));
      }),
      30_000,
      () => `every copy of ${v1} shared with ${SHARED_WITH} (now ${JSON.stringify(shares)})`,
    );
    let permissionView: any;
    await eventually(
      async () => {
        permissionView = await call(
          permissions.url,
          'GET',
          `/v1/families/${parent}/versions/${v1}/permissions`,
        );
        const regions = permissionView.body.versions?.[0]?.regions ?? [];
        return (
          regions.length === REGIONS.length &&
          regions.every((r: any) => r.actual?.accounts?.includes(SHARED_WITH))
        );
      },
      30_000,
      () =>
        `the permissions service to report ${v1} shared (now ${JSON.stringify(permissionView)})`,
    );

    stepDone();
    // ── 3. A second version, promoted; the targets follow; the child is built from it ──────
    // v1 is never promoted: only keepLatest kept it, so retention deprecates it as soon as v2
    // is built. v2 is promoted, and after v3's promote it is kept by a hand-made template alone.
    const v2 = (await nthVersion(parent, 2)).version as string;
    const v2Built = (await call(catalog.url, 'GET', `/v1/families/${parent}/versions/${v2}`)).body;
    const v2East = v2Built.copies.find((c: any) => c.region === BUILD_REGION).imageId as string;
    // Someone launches from v2 by a template of their own: retention must keep v2 for it.
    const handMade = (
      await ec2[BUILD_REGION]!.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: `${parent}-by-hand`,
          LaunchTemplateData: { ImageId: v2East, InstanceType: 't3.micro' },
        }),
      )
    ).LaunchTemplate!.LaunchTemplateId!;
    // The third run starts while v2 is still being copied.
    await requestRebuild(3, true);
    const v2Copies = await copiedEverywhere(parent, v2);
    await promote(parent, v2);
    await targetsFollow(v2Copies, v2);
    expect(
      (await call(catalog.url, 'POST', `/v1/families/${child}/rebuilds`, { reason: 'first' }))
        .status,
    ).toBe(202);
    const childFirst = await nthVersion(child, 1);
    expect(childFirst.parent).toEqual({ family: parent, version: v2 });
    // Built from the parent's prod image in its build region, and resolvable there.
    expect(childFirst).toMatchObject({
      origin: 'build',
      source: { imageId: v2East },
      copies: [
        { region: BUILD_REGION, state: 'available', imageId: expect.stringMatching(/^ami-/) },
      ],
    });
    const childResolved = await call(
      catalog.url,
      'GET',
      `/v1/families/${child}/resolve?channel=latest&region=${BUILD_REGION}`,
    );
    expect(childResolved.body).toMatchObject({
      family: child,
      region: BUILD_REGION,
      version: childFirst.version,
      imageId: childFirst.copies[0].imageId,
    });
    await eventually(
      async () =>
        (await call(scanner.url, 'GET', `/v1/maintenance/findings/${child}`)).body.findings
          ?.lastBuild?.version === childFirst.version,
      30_000,
      'the child version seen by the scanner',
    );

    stepDone();
    // ── 4. The third version promoted: targets follow, the child is rebuilt by the cascade ──
    const v3 = (await nthVersion(parent, 3)).version as string;
    const v3Copies = await copiedEverywhere(parent, v3);
    await promote(parent, v3);
    await targetsFollow(v3Copies, v3);
    for (const region of REGIONS)
      expect(
        await grpc.call('ResolveImage', { family: parent, channel: 'prod', region }),
      ).toMatchObject({ version: v3, imageId: v3Copies[region].imageId });
    const childSecond = await nthVersion(child, 2);
    expect(childSecond.parent).toEqual({ family: parent, version: v3 });
    const childBuilds = await buildsOf(child);
    expect(childBuilds).toHaveLength(2);
    const cascaded = childBuilds.find((b) => b.requestedBy === 'maintenance-scanner');
    expect(cascaded?.reason).toContain(`parent ${parent} prod moved to ${v3}`);

    stepDone();
    // ── 5. Retention: v1 deprecated then retired everywhere; v2 kept by the hand-made template
    let left: string[] = [];
    await eventually(
      paced(async () => {
        left = [];
        for (const region of REGIONS)
          if (await imageIn(region, v1Copies[region].imageId)) left.push(region);
        return left.length === 0;
      }),
      60_000,
      () => `${v1} deregistered in every region (left in ${left.join(', ')})`,
    );
    for (const region of REGIONS) {
      const snapshots: string[] = v1Copies[region].snapshotIds;
      expect(snapshots.length).toBeGreaterThan(0);
      await eventually(
        paced(
          async () =>
            (
              (
                await ec2[region]!.send(
                  new DescribeSnapshotsCommand({
                    OwnerIds: ['self'],
                    Filters: [{ Name: 'snapshot-id', Values: snapshots }],
                  }),
                )
              ).Snapshots ?? []
            ).length === 0,
        ),
        30_000,
        `the snapshots of ${v1} deleted in ${region}`,
      );
    }
    await eventually(
      async () =>
        (await versionsOf(parent))
          .find((v) => v.version === v1)
          ?.copies.every((c: any) => c.state === 'deregistered'),
      30_000,
      `the catalog to show every copy of ${v1} deregistered`,
    );
    await watchDeprecation;
    expect(goneBeforeDeprecated, `regions where ${v1} went before it was seen deprecated`).toEqual(
      [],
    );
    expect([...deprecatedIn.keys()].sort()).toEqual([...REGIONS].sort());
    const v1Now = await grpc.call('GetVersion', { family: parent, version: v1 });
    expect(v1Now.copies.map((c: any) => c.state)).toEqual(REGIONS.map(() => 'deregistered'));
    for (const region of REGIONS) {
      const image = await imageIn(region, v2Copies[region].imageId);
      expect(image?.State, `${v2} in ${region}`).toBe('available');
    }
    let plan: any;
    await eventually(
      async () => {
        plan = (
          await call(
            scanner.url,
            'GET',
            `/v1/maintenance/families/${parent}/retention/plans/latest`,
          )
        ).body;
        const keptV2 = plan.kept?.find((k: any) => k.version === v2);
        return (keptV2?.usedBy ?? []).some((u: any) =>
          u.uses.some((use: any) => use.kind === 'ec2:LaunchTemplate' && use.id === handMade),
        );
      },
      30_000,
      () => `a retention plan keeping ${v2} for ${handMade} (latest: ${JSON.stringify(plan)})`,
    );
    expect(plan.kept.find((k: any) => k.version === v3).reasons).toEqual(
      expect.arrayContaining(['one of the newest versions (#1)', 'channel prod points to it']),
    );

    stepDone();
    // ── 6. Every state change on ami.audit.v1 once, in order per family ────────────────────
    const trail = (family: string): AuditEvent[] =>
      audit!.messages
        .filter((m) => m.message.key?.toString() === family)
        .map((m) => {
          const envelope = JSON.parse(m.message.value!.toString('utf8'));
          return {
            ...envelope,
            envelope,
            partition: m.partition,
            offset: BigInt(m.message.offset),
          };
        })
        .sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    const count = (events: AuditEvent[], action: string, match: (e: AuditEvent) => boolean) =>
      events.filter((e) => e.data.action === action && match(e)).length;
    await eventually(
      () => {
        const p = trail(parent);
        const c = trail(child);
        return (
          count(p, 'image.deregistered', (e) => e.data.subject.version === v1) === 3 &&
          count(p, 'snapshot.deleted', (e) => e.data.subject.version === v1) >= 3 &&
          count(p, 'target.written', (e) => e.data.subject.version === v3) === 4 &&
          count(c, 'build.succeeded', () => true) === 2
        );
      },
      30_000,
      () =>
        `the journey's audit trail (so far ${JSON.stringify(trail(parent).map((e) => e.data.action))})`,
    );
    const parentTrail = trail(parent);
    const childTrail = trail(child);
    const validAudit = ajv.compile(auditSchema);
    for (const events of [parentTrail, childTrail]) {
      // Every entry, whichever service wrote it, matches the published schema.
      const invalid = events.flatMap((e) =>
        validAudit(e.envelope) ? [] : [`${e.data.action}: ${ajv.errorsText(validAudit.errors)}`],
      );
      expect(invalid).toEqual([]);
      // One partition per family (the key), and no event delivered twice.
      expect(new Set(events.map((e) => e.partition)).size).toBe(1);
      const ids = events.map((e) => e.id);
      expect(ids.length - new Set(ids).size, 'duplicate audit event ids').toBe(0);
    }
    const at = (
      events: AuditEvent[],
      action: string,
      match: (e: AuditEvent) => boolean = () => true,
    ) => events.flatMap((e, i) => (e.data.action === action && match(e) ? [i] : []));
    const once = (
      events: AuditEvent[],
      action: string,
      match: (e: AuditEvent) => boolean = () => true,
    ) => {
      const found = at(events, action, match);
      expect(found, `${action} once`).toHaveLength(1);
      return found[0]!;
    };
    const ofVersion = (version: string, region?: string) => (e: AuditEvent) =>
      e.data.subject.version === version &&
      (region === undefined || e.data.subject.region === region);

    // The spec comes first; each request is received, queued, built step by step and succeeds.
    expect(parentTrail[0]!.data.action).toBe('family-spec.applied');
    once(parentTrail, 'family-spec.applied');
    const versions = [v1, v2, v3];
    const succeededAt: Record<string, number> = {};
    requestIds.forEach((requestId, n) => {
      const version = versions[n]!;
      const received = once(
        parentTrail,
        'rebuild.received',
        (e) => e.data.after?.requestId === requestId,
      );
      expect(parentTrail[received]!.correlationid).toBe(requestId);
      const queued = once(parentTrail, 'build.queued', (e) => e.causationid === requestId);
      const buildId = parentTrail[queued]!.data.after!.buildId as string;
      // Each step started is completed before the next starts, and all of them before success.
      const steps = parentTrail.flatMap((e, i) =>
        e.data.action.startsWith('build.step.') && e.data.after?.buildId === buildId
          ? [{ i, status: e.data.action.slice('build.step.'.length), step: e.data.after.step }]
          : [],
      );
      expect(steps.map((s) => s.status)).toEqual(
        steps.map((_, k) => (k % 2 === 0 ? 'started' : 'completed')),
      );
      for (let k = 0; k < steps.length; k += 2) expect(steps[k + 1]?.step).toBe(steps[k]!.step);
      expect(steps.at(-1)?.step, `the last step of ${version}`).toBe('publish');
      const succeeded = once(
        parentTrail,
        'build.succeeded',
        (e) => e.data.after?.buildId === buildId,
      );
      expect(parentTrail[succeeded]!.data.subject.version).toBe(version);
      expect(received).toBeLessThan(queued);
      expect(steps[0]!.i).toBeGreaterThan(queued);
      expect(steps.at(-1)!.i).toBeLessThan(succeeded);
      succeededAt[version] = succeeded;
      // Copied to each other region once (queued, started, succeeded) after the version was
      // built; its launch permissions changed once in each region, once its copy was there.
      for (const region of REGIONS) {
        let copied = succeeded;
        if (region !== BUILD_REGION) {
          const queuedCopy = once(parentTrail, 'copy.queued', ofVersion(version, region));
          // A copy EC2 failed is started again, after a copy.retrying of its own.
          const starts = at(parentTrail, 'copy.started', ofVersion(version, region));
          const retries = at(parentTrail, 'copy.retrying', ofVersion(version, region));
          copied = once(parentTrail, 'copy.succeeded', ofVersion(version, region));
          expect(starts.length).toBeGreaterThan(0);
          expect(starts.length).toBeLessThanOrEqual(1 + retries.length);
          expect(queuedCopy).toBeGreaterThan(succeeded);
          expect(starts[0]).toBeGreaterThan(queuedCopy);
          expect(copied).toBeGreaterThan(starts.at(-1)!);
        }
        const passes = at(parentTrail, 'launch-permissions.applied', ofVersion(version, region));
        const changes = passes.filter(
          (i) =>
            JSON.stringify(parentTrail[i]!.data.before) !==
            JSON.stringify(parentTrail[i]!.data.after),
        );
        expect(changes, `launch permissions of ${version} in ${region} changed once`).toHaveLength(
          1,
        );
        expect(changes[0]).toBeGreaterThan(copied);
        expect(parentTrail[changes[0]!]!.data.after?.launch).toEqual([
          { kind: 'account', value: SHARED_WITH },
        ]);
      }
    });
    // Promoted after every copy exists; each target written once per promote, after it.
    for (const version of [v2, v3]) {
      const promoted = once(parentTrail, 'channel.promoted', ofVersion(version));
      for (const i of at(parentTrail, 'copy.succeeded', ofVersion(version)))
        expect(i).toBeLessThan(promoted);
      const written = at(parentTrail, 'target.written', ofVersion(version));
      expect(written, `targets written with ${version}`).toHaveLength(4);
      expect(
        new Set(
          written.map(
            (i) => `${parentTrail[i]!.data.subject.region} ${parentTrail[i]!.data.subject.target}`,
          ),
        ).size,
      ).toBe(4);
      for (const i of written) expect(i).toBeGreaterThan(promoted);
    }
    expect(at(parentTrail, 'channel.promoted')).toHaveLength(2);
    // v1 deprecated once it was no longer the newest, retired after, its snapshots last.
    for (const region of REGIONS) {
      const deprecated = once(parentTrail, 'image.deprecated', ofVersion(v1, region));
      const retired = once(parentTrail, 'image.deregistered', ofVersion(v1, region));
      expect(deprecated).toBeGreaterThan(succeededAt[v2]!);
      expect(retired).toBeGreaterThan(deprecated);
      for (const snapshotId of v1Copies[region].snapshotIds as string[])
        expect(
          once(parentTrail, 'snapshot.deleted', (e) => e.data.after?.snapshotId === snapshotId),
        ).toBeGreaterThan(retired);
    }
    // Nothing of v2 or v3 was deprecated or retired.
    for (const version of [v2, v3])
      for (const action of ['image.deprecated', 'image.deregistered', 'snapshot.deleted'])
        expect(at(parentTrail, action, ofVersion(version)), `${action} ${version}`).toEqual([]);

    // The child: its spec, a first build, and the cascade's build after the parent's v3 promote.
    expect(childTrail[0]!.data.action).toBe('family-spec.applied');
    once(childTrail, 'family-spec.applied');
    const childSucceeded = at(childTrail, 'build.succeeded');
    expect(childSucceeded.map((i) => childTrail[i]!.data.subject.version)).toEqual([
      childFirst.version,
      childSecond.version,
    ]);
    const cascadeQueued = once(
      childTrail,
      'build.queued',
      (e) => e.data.actor === 'maintenance-scanner',
    );
    const asked = once(childTrail, 'rebuild.asked');
    expect(childTrail[asked]!.data.actor).toBe('maintenance-scanner');
    expect(asked).toBeGreaterThan(childSucceeded[0]!);
    expect(cascadeQueued).toBeGreaterThan(asked);
    expect(cascadeQueued).toBeLessThan(childSucceeded[1]!);
    stepDone();
    console.info(`platform journey: ${phases.join(', ')}`);
  });
});
