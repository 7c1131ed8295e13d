import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  BUILD_SUCCEEDED,
  COPY_STARTED,
  COPY_SUCCEEDED,
  LAUNCH_PERMISSIONS_APPLIED,
} from '@ami/contracts';
import { eventually, uniqueName } from '@ami/testing';
import { CatalogHarness, grpcCall, startCatalog } from './catalog-harness.js';
import { amiId, baseSpec, buildSucceeded, childSpec, snapId } from './fixtures.js';

describe('catalog (real Kafka, PostgreSQL; HTTP and gRPC)', () => {
  let catalog: CatalogHarness;
  beforeAll(async () => {
    catalog = await startCatalog();
  });
  afterAll(async () => {
    await catalog?.close();
  });

  const versionVisible = (family: string, version: string, regions = 1) =>
    eventually(
      async () => {
        const res = await catalog.http('GET', `/v1/families/${family}/versions/${version}`);
        return (
          res.status === 200 &&
          res.body.copies.filter((c: any) => c.state === 'available').length >= regions
        );
      },
      30_000,
      `${family} ${version} with ${regions} available copies`,
    );

  it('applies a spec, projects build and copy events, resolves per region over HTTP and gRPC, promotes and rolls back', async () => {
    const family = uniqueName('base');
    const applied = await catalog.http('POST', '/v1/specs', { body: baseSpec(family) });
    expect(applied).toMatchObject({ status: 201, body: { family, specVersion: 1, changed: true } });
    const again = await catalog.http('PUT', `/v1/families/${family}/spec`, {
      body: baseSpec(family),
    });
    expect(again.body).toMatchObject({ specVersion: 1, changed: false });

    const v1East = amiId();
    const v1West = amiId();
    await catalog.publish(
      BUILD_SUCCEEDED,
      buildSucceeded(family, '2026.11.27-1', {
        imageId: v1East,
        finishedAt: '2026-11-27T10:00:00Z',
      }),
      family,
    );
    await catalog.publish(
      COPY_SUCCEEDED,
      {
        family,
        version: '2026.11.27-1',
        region: 'eu-west-1',
        imageId: v1West,
        snapshotIds: [snapId()],
      },
      family,
    );
    await catalog.publish(
      LAUNCH_PERMISSIONS_APPLIED,
      {
        family,
        version: '2026.11.27-1',
        region: 'eu-west-1',
        imageId: v1West,
        accounts: ['111122223333'],
        organizationArns: [],
        organizationalUnitArns: [],
        public: false,
        driftRepaired: false,
      },
      family,
    );
    await versionVisible(family, '2026.11.27-1', 2);

    const beforePromote = await catalog.http(
      'GET',
      `/v1/families/${family}/resolve?channel=prod&region=eu-west-1`,
      { role: 'reader' },
    );
    expect(beforePromote).toMatchObject({
      status: 404,
      body: { detail: `family ${family} has no channel prod` },
    });

    expect(
      (
        await catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
          role: 'operator',
          body: { version: '2026.11.27-1' },
        })
      ).status,
    ).toBe(200);
    const east = await catalog.http(
      'GET',
      `/v1/families/${family}/resolve?channel=prod&region=us-east-1`,
      { role: 'reader' },
    );
    const west = await catalog.http(
      'GET',
      `/v1/families/${family}/resolve?channel=prod&region=eu-west-1`,
      { role: 'reader' },
    );
    expect(east.body).toMatchObject({
      version: '2026.11.27-1',
      imageId: v1East,
      region: 'us-east-1',
    });
    expect(west.body).toMatchObject({
      version: '2026.11.27-1',
      imageId: v1West,
      region: 'eu-west-1',
    });
    const westCopy = async () =>
      (
        await catalog.http('GET', `/v1/families/${family}/versions/2026.11.27-1/copies`)
      ).body.items.find((c: any) => c.region === 'eu-west-1');
    await eventually(
      async () => (await westCopy()).launchPermissions !== null,
      30_000,
      'launch permissions on the eu-west-1 copy',
    );
    expect((await westCopy()).launchPermissions).toMatchObject({
      accounts: ['111122223333'],
      public: false,
    });

    const grpc = catalog.grpcClient();
    const reader = await catalog.token('reader');
    const viaGrpc = await grpcCall(
      grpc,
      'resolveImage',
      { family, channel: 'prod', region: 'eu-west-1' },
      reader,
    );
    expect(viaGrpc.error).toBeNull();
    expect(viaGrpc.value).toMatchObject({ imageId: v1West, version: '2026.11.27-1' });
    expect(
      (
        await grpcCall(
          grpc,
          'resolveImage',
          { family, channel: 'prod', region: 'ap-south-1' },
          reader,
        )
      ).error?.code,
    ).toBe(GrpcStatus.NOT_FOUND);
    expect(
      (await grpcCall(grpc, 'resolveImage', { family, channel: 'prod', region: 'eu-west-1' })).error
        ?.code,
    ).toBe(GrpcStatus.UNAUTHENTICATED);

    // v2 exists only in the build region: promotion is refused with the reason, unless forced.
    const v2East = amiId();
    await catalog.publish(
      BUILD_SUCCEEDED,
      buildSucceeded(family, '2026.11.27-2', {
        imageId: v2East,
        finishedAt: '2026-11-27T11:00:00Z',
      }),
      family,
    );
    await versionVisible(family, '2026.11.27-2');
    const refused = await catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
      role: 'operator',
      body: { version: '2026.11.27-2' },
    });
    expect(refused).toMatchObject({
      status: 412,
      body: { detail: expect.stringContaining('missing: eu-west-1') },
    });
    const forced = await catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
      role: 'operator',
      body: { version: '2026.11.27-2', force: true, reason: 'hotfix' },
    });
    expect(forced.body).toMatchObject({ version: '2026.11.27-2', previousVersion: '2026.11.27-1' });
    expect(
      (
        await catalog.http('GET', `/v1/families/${family}/resolve?channel=prod&region=us-east-1`, {
          role: 'reader',
        })
      ).body.imageId,
    ).toBe(v2East);
    expect(
      (
        await catalog.http(
          'GET',
          `/v1/families/${family}/resolve?channel=latest&region=eu-west-1`,
          { role: 'reader' },
        )
      ).body.imageId,
    ).toBe(v1West);

    const rolledBack = await grpcCall(
      grpc,
      'rollback',
      { family, channel: 'prod', reason: 'bad kernel' },
      await catalog.token('operator'),
    );
    expect(rolledBack.value).toMatchObject({
      version: '2026.11.27-1',
      previousVersion: '2026.11.27-2',
    });
    expect(
      (
        await catalog.http('GET', `/v1/families/${family}/resolve?channel=prod&region=us-east-1`, {
          role: 'reader',
        })
      ).body.imageId,
    ).toBe(v1East);
    const history = await catalog.http('GET', `/v1/families/${family}/channels/prod/history`, {
      role: 'reader',
    });
    expect(
      history.body.items.map((h: any) => [h.movement, h.version, h.previousVersion, h.forced]),
    ).toEqual([
      ['rollback', '2026.11.27-1', '2026.11.27-2', false],
      ['promote', '2026.11.27-2', '2026.11.27-1', true],
      ['promote', '2026.11.27-1', null, false],
    ]);
  });

  it('shows owned copies in other accounts under the account, and never resolves them', async () => {
    const family = uniqueName('owned');
    await catalog.http('POST', '/v1/specs', { body: baseSpec(family) });
    const east = amiId();
    const owned = amiId();
    const version = '2026.11.28-1';
    await catalog.publish(
      BUILD_SUCCEEDED,
      buildSucceeded(family, version, { imageId: east }),
      family,
    );
    await versionVisible(family, version, 1);
    const copy = { family, version, region: 'eu-west-1', imageId: owned, account: '210987654321' };
    await catalog.publish(COPY_SUCCEEDED, { ...copy, snapshotIds: [snapId()] }, family);
    // a late "started" does not take the available copy back to pending
    await catalog.publish(
      COPY_STARTED,
      { ...copy, sourceRegion: 'us-east-1', sourceImageId: east },
      family,
    );
    let view: any;
    await eventually(
      async () => {
        view = (await catalog.http('GET', `/v1/families/${family}/versions/${version}`)).body;
        return view.accountCopies?.length === 1;
      },
      30_000,
      'the owned copy on the version',
    );
    expect(view.accountCopies[0]).toMatchObject({
      account: '210987654321',
      region: 'eu-west-1',
      imageId: owned,
      state: 'available',
    });
    expect(view.copies.map((c: any) => c.region)).toEqual(['us-east-1']);
    const promoted = await catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
      role: 'operator',
      body: { version, force: true, reason: 'no copy of our own in eu-west-1' },
    });
    expect(promoted.status).toBe(200);
    const west = await catalog.http(
      'GET',
      `/v1/families/${family}/resolve?channel=prod&region=eu-west-1`,
      { role: 'reader' },
    );
    expect(west.status).toBe(404);
    expect(JSON.stringify(west.body)).not.toContain(owned);
  });

  it('answers lineage and outdated for a two-level family tree', async () => {
    const base = uniqueName('lin-base');
    const web = uniqueName('lin-web');
    expect((await catalog.http('POST', '/v1/specs', { body: baseSpec(base) })).status).toBe(201);
    expect((await catalog.http('POST', '/v1/specs', { body: childSpec(web, base) })).status).toBe(
      201,
    );
    const b1 = buildSucceeded(base, '2026.11.20-1', { finishedAt: '2026-11-20T00:00:00Z' });
    await catalog.publish(BUILD_SUCCEEDED, b1, base);
    await versionVisible(base, '2026.11.20-1');
    await catalog.http('POST', `/v1/families/${base}/channels/prod/promote`, {
      role: 'operator',
      body: { version: '2026.11.20-1', force: true },
    });
    await catalog.publish(
      BUILD_SUCCEEDED,
      buildSucceeded(web, '2026.11.21-1', {
        parent: { family: base, version: '2026.11.20-1' },
        finishedAt: '2026-11-21T00:00:00Z',
      }),
      web,
    );
    await versionVisible(web, '2026.11.21-1');

    const lineage = await catalog.http('GET', `/v1/families/${web}/versions/2026.11.21-1/lineage`, {
      role: 'reader',
    });
    expect(lineage.body.ancestors.map((a: any) => `${a.family}/${a.version}`)).toEqual([
      `${base}/2026.11.20-1`,
    ]);
    expect(lineage.body.rootSourceImageId).toBe(b1.source.imageId);
    const down = await catalog.http('GET', `/v1/families/${base}/versions/2026.11.20-1/lineage`, {
      role: 'reader',
    });
    expect(down.body.descendants.map((d: any) => `${d.family}/${d.version}`)).toEqual([
      `${web}/2026.11.21-1`,
    ]);

    const upToDate = await catalog.http('GET', `/v1/lineage/outdated?parent=${base}`, {
      role: 'reader',
    });
    expect(upToDate.body.items).toEqual([]);
    await catalog.publish(
      BUILD_SUCCEEDED,
      buildSucceeded(base, '2026.11.27-1', { finishedAt: '2026-11-27T00:00:00Z' }),
      base,
    );
    await versionVisible(base, '2026.11.27-1');
    await catalog.http('POST', `/v1/families/${base}/channels/prod/promote`, {
      role: 'operator',
      body: { version: '2026.11.27-1', force: true },
    });
    const outdated = await catalog.http('GET', `/v1/lineage/outdated?parent=${base}`, {
      role: 'reader',
    });
    expect(outdated.body.items).toEqual([
      {
        family: web,
        parentFamily: base,
        parentChannel: 'prod',
        builtFromParentVersion: '2026.11.20-1',
        parentChannelVersion: '2026.11.27-1',
        latestVersion: '2026.11.21-1',
      },
    ]);
  });

  it('keeps events about an unknown family as orphans and applies them when the family appears', async () => {
    const family = uniqueName('orphan');
    await catalog.publish(BUILD_SUCCEEDED, buildSucceeded(family, '2026.11.27-1'), family);
    await eventually(
      async () =>
        (await catalog.http('GET', `/v1/orphans?family=${family}`, { role: 'reader' })).body.items
          .length === 1,
      30_000,
      'the orphan',
    );
    expect(
      (await catalog.http('GET', `/v1/families/${family}/versions`, { role: 'reader' })).status,
    ).toBe(404);
    await catalog.http('POST', '/v1/specs', { body: baseSpec(family) });
    expect(
      (
        await catalog.http('GET', `/v1/families/${family}/versions/2026.11.27-1`, {
          role: 'reader',
        })
      ).status,
    ).toBe(200);
    expect(
      (await catalog.http('GET', `/v1/orphans?family=${family}`, { role: 'reader' })).body.items,
    ).toEqual([]);
  });

  it('rejects bad input with clear errors and enforces roles', async () => {
    const bad = await catalog.http('POST', '/v1/specs', {
      body: 'name: x\nsource: [unclosed',
      contentType: 'application/yaml',
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining('not valid YAML') },
    });
    const invalid = await catalog.http('POST', '/v1/specs', {
      body: { name: 'ok-name', owner: 'o', source: { amiId: 'nope' }, sharing: { public: true } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: any) => e.path)).toEqual(
      expect.arrayContaining(['source.amiId']),
    );
    const publicRefused = await catalog.http('POST', '/v1/specs', {
      body: { ...baseSpec(uniqueName('pub')), sharing: { public: true } },
    });
    expect(publicRefused).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining('public sharing is disabled') },
    });
    expect(
      (
        await catalog.http('GET', '/v1/families/no-such-family/resolve?region=eu-west-1', {
          role: 'reader',
        })
      ).body.detail,
    ).toBe('family no-such-family not found');
    expect((await catalog.http('GET', '/v1/families', { role: null })).status).toBe(401);
    expect(
      (await catalog.http('POST', '/v1/specs', { role: 'operator', body: baseSpec('x') })).body
        .detail,
    ).toBe('requires role admin; you have operator');

    const family = uniqueName('prot');
    await catalog.http('POST', '/v1/specs', { body: baseSpec(family) });
    await catalog.publish(BUILD_SUCCEEDED, buildSucceeded(family, '2026.11.27-1'), family);
    await versionVisible(family, '2026.11.27-1');
    await catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
      role: 'operator',
      body: { version: '2026.11.27-1', force: true },
    });
    expect(
      (
        await catalog.http('PUT', `/v1/families/${family}/channels/prod/protection`, {
          role: 'operator',
          body: { protected: true },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await catalog.http('PUT', `/v1/families/${family}/channels/prod/protection`, {
          role: 'admin',
          body: { protected: true },
        })
      ).status,
    ).toBe(200);
    const blocked = await catalog.http('POST', `/v1/families/${family}/channels/prod/rollback`, {
      role: 'operator',
      body: {},
    });
    expect(blocked).toMatchObject({
      status: 403,
      body: { detail: expect.stringContaining('is protected') },
    });
  });
});
