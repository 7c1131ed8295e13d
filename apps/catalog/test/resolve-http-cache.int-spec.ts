import { status as GrpcStatus } from '@grpc/grpc-js';
import { BUILD_SUCCEEDED, COPY_SUCCEEDED } from '@ami/contracts';
import { eventually, uniqueName } from '@ami/testing';
import { CatalogHarness, grpcCall, startCatalog } from './catalog-harness.js';
import { amiId, baseSpec, buildSucceeded, snapId } from './fixtures.js';

/**
 * Resolve as a client sees it: entity tags and 304s, Cache-Control, the same answer and the
 * same refusals whether it comes from the cache's fast path or through the full route, and
 * batch resolve over HTTP and gRPC.
 */
describe('resolve: caching headers, fast path, batch (real Kafka, PostgreSQL)', () => {
  let catalog: CatalogHarness;
  let family: string;
  let east: string;
  let west: string;
  let reader: string;

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${catalog.url}${path}`, { headers });
  const resolvePath = (region: string, channel = 'prod') =>
    `/v1/families/${family}/resolve?channel=${channel}&region=${region}`;
  const as = (token: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    ...extra,
  });

  /** A version built in us-east-1, copied to eu-west-1, then promoted to prod: the status. */
  async function builtCopiedPromoted(version: string, eastId: string, westId: string) {
    await catalog.publish(
      BUILD_SUCCEEDED,
      buildSucceeded(family, version, { imageId: eastId }),
      family,
    );
    await catalog.publish(
      COPY_SUCCEEDED,
      { family, version, region: 'eu-west-1', imageId: westId, snapshotIds: [snapId()] },
      family,
    );
    await eventually(
      async () => {
        const res = await catalog.http('GET', `/v1/families/${family}/versions/${version}`);
        return res.status === 200 && res.body.copies.length >= 2;
      },
      30_000,
      `version ${version} with both copies`,
    );
    const promoted = await catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
      role: 'operator',
      body: { version },
    });
    return promoted.status;
  }

  beforeAll(async () => {
    catalog = await startCatalog();
    family = uniqueName('cached');
    east = amiId();
    west = amiId();
    await catalog.http('POST', '/v1/specs', { body: baseSpec(family) });
    await catalog.http('POST', '/v1/specs', { body: baseSpec(`${family}-x`) });
    expect(await builtCopiedPromoted('2026.11.27-1', east, west)).toBe(200);
    reader = await catalog.token('reader', 'cache-reader');
  });
  afterAll(async () => {
    await catalog?.close();
  });

  it('answers with an ETag and max-age, and 304 when If-None-Match names it, from the cache as from the route', async () => {
    const first = await get(resolvePath('us-east-1'), as(reader));
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toBe('max-age=5');
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await first.json();
    expect(body).toEqual({
      family,
      channel: 'prod',
      region: 'us-east-1',
      version: '2026.11.27-1',
      imageId: east,
      state: 'available',
    });

    // Now cached, with a known token: the same bytes and headers.
    const second = await get(resolvePath('us-east-1'), as(reader));
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe(etag);
    expect(second.headers.get('cache-control')).toBe('max-age=5');
    expect(second.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await second.json()) as any).toEqual(body);

    const cached = await get(resolvePath('us-east-1'), as(reader, { 'if-none-match': etag }));
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    expect(await cached.text()).toBe('');
    const weakInList = await get(
      resolvePath('us-east-1'),
      as(reader, { 'if-none-match': `"other", W/${etag}` }),
    );
    expect(weakInList.status).toBe(304);
    // A token the guard has not seen yet takes the full route: the same 304.
    const fresh = await catalog.token('reader', 'another-reader');
    const viaRoute = await get(resolvePath('us-east-1'), as(fresh, { 'if-none-match': etag }));
    expect(viaRoute.status).toBe(304);
    expect(viaRoute.headers.get('etag')).toBe(etag);

    const otherRegion = await get(resolvePath('eu-west-1'), as(reader, { 'if-none-match': etag }));
    expect(otherRegion.status).toBe(200);
    expect(otherRegion.headers.get('etag')).not.toBe(etag);
  });

  it('changes the ETag when the channel moves, so a stale If-None-Match gets the new answer', async () => {
    const before = await get(resolvePath('us-east-1'), as(reader));
    const etag = before.headers.get('etag')!;
    const v2 = amiId();
    west = amiId();
    expect(await builtCopiedPromoted('2026.11.28-1', v2, west)).toBe(200);
    const after = await get(resolvePath('us-east-1'), as(reader, { 'if-none-match': etag }));
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(((await after.json()) as any).imageId).toBe(v2);
  });

  it('refuses on the cached path exactly as on the route: no token, a forged token, bad parameters', async () => {
    await get(resolvePath('eu-west-1'), as(reader)); // cached now
    const none = await get(resolvePath('eu-west-1'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const forged = `${reader.slice(0, -2)}${reader.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await get(resolvePath('eu-west-1'), as(forged));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const badRegion = await get(resolvePath('nowhere'), as(reader));
    expect(badRegion.status).toBe(400);
    expect(((await badRegion.json()) as any).errors[0].path).toBe('region');
    const unknown = await get(`/v1/families/${family}-nope/resolve?region=eu-west-1`, as(reader));
    expect(unknown.status).toBe(404);
    // The default channel is prod on both paths.
    const byDefault = await get(`/v1/families/${family}/resolve?region=eu-west-1`, as(reader));
    expect(byDefault.status).toBe(200);
    expect(((await byDefault.json()) as any).channel).toBe('prod');
  });

  it('resolves a batch of keys over HTTP in their order, with not-found per key and 400 for a bad key', async () => {
    const keys = [
      { family, channel: 'prod', region: 'eu-west-1' },
      { family, region: 'ap-south-1' },
      { family: `${family}-x`, region: 'us-east-1' },
      { family: `${family}-none`, channel: 'prod', region: 'us-east-1' },
      { family, channel: 'latest', region: 'us-east-1' },
    ];
    const res = await catalog.http('POST', '/v1/resolve/batch', {
      role: 'reader',
      body: { keys },
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(5);
    expect(res.body.results[0]).toMatchObject({
      family,
      channel: 'prod',
      region: 'eu-west-1',
      found: true,
      image: { imageId: west, region: 'eu-west-1' },
    });
    expect(res.body.results[1]).toMatchObject({
      channel: 'prod',
      region: 'ap-south-1',
      found: false,
    });
    expect(res.body.results[1].detail).toContain('no copy in region ap-south-1');
    expect(res.body.results[2]).toMatchObject({
      found: false,
      detail: `family ${family}-x has no channel prod`,
    });
    expect(res.body.results[3]).toMatchObject({
      found: false,
      detail: `family ${family}-none not found`,
    });
    expect(res.body.results[4]).toMatchObject({ found: true, image: { version: '2026.11.28-1' } });

    const bad = await catalog.http('POST', '/v1/resolve/batch', {
      role: 'reader',
      body: {
        keys: [
          { family, region: 'us-east-1' },
          { family, region: 'nowhere' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('keys.1.region');
    expect(
      (await catalog.http('POST', '/v1/resolve/batch', { role: 'reader', body: { keys: [] } }))
        .status,
    ).toBe(400);
    expect(
      (await catalog.http('POST', '/v1/resolve/batch', { role: null, body: { keys } })).status,
    ).toBe(401);
  });

  it('resolves a batch over gRPC, and serves cached ResolveImage calls with the same answers and refusals', async () => {
    const grpc = catalog.grpcClient();
    const batch = await grpcCall(
      grpc,
      'batchResolveImages',
      {
        keys: [
          { family, region: 'eu-west-1' },
          { family, channel: 'prod', region: 'ap-south-1' },
        ],
      },
      reader,
    );
    expect(batch.error).toBeNull();
    expect(batch.value.results).toHaveLength(2);
    expect(batch.value.results[0]).toMatchObject({
      family,
      channel: 'prod',
      found: true,
      image: { imageId: west, region: 'eu-west-1' },
    });
    expect(batch.value.results[1]).toMatchObject({ found: false, region: 'ap-south-1' });
    expect(batch.value.results[1].detail).toContain('no copy in region ap-south-1');
    const invalid = await grpcCall(
      grpc,
      'batchResolveImages',
      { keys: [{ family, region: 'nowhere' }] },
      reader,
    );
    expect(invalid.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(invalid.error?.details).toContain('keys.0.region');
    expect((await grpcCall(grpc, 'batchResolveImages', { keys: [] }, reader)).error?.code).toBe(
      GrpcStatus.INVALID_ARGUMENT,
    );
    expect(
      (await grpcCall(grpc, 'batchResolveImages', { keys: [{ family, region: 'eu-west-1' }] }))
        .error?.code,
    ).toBe(GrpcStatus.UNAUTHENTICATED);

    for (let i = 0; i < 3; i++) {
      const call = await grpcCall(grpc, 'resolveImage', { family, region: 'eu-west-1' }, reader);
      expect(call.error).toBeNull();
      expect(call.value).toEqual({
        family,
        channel: 'prod',
        region: 'eu-west-1',
        version: '2026.11.28-1',
        imageId: west,
        state: 'available',
      });
    }
    const forged = `${reader.slice(0, -2)}${reader.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(
      (await grpcCall(grpc, 'resolveImage', { family, region: 'eu-west-1' }, forged)).error?.code,
    ).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(
      (await grpcCall(grpc, 'resolveImage', { family, region: 'nowhere' }, reader)).error?.code,
    ).toBe(GrpcStatus.INVALID_ARGUMENT);
  });
});
