import { status as GrpcStatus } from '@grpc/grpc-js';
import { CatalogHarness, grpcCall, startCatalog } from '../../apps/catalog/test/catalog-harness.js';

/**
 * The gRPC edge refuses what the HTTP edge refuses, with INVALID_ARGUMENT naming the field:
 * NUL bytes, malformed cursors, out-of-range limits, values no family or version could have.
 */
describe('catalog gRPC input validation', () => {
  let catalog: CatalogHarness;
  beforeAll(async () => {
    catalog = await startCatalog();
  });
  afterAll(async () => {
    await catalog?.close();
  });

  it.each([
    ['resolveImage', { family: 'web\u0000base', region: 'eu-west-1' }, 'family'],
    ['resolveImage', { family: 'web-base', region: 'moon-1' }, 'region'],
    ['listFamilies', { limit: 501 }, 'limit'],
    ['listFamilies', { cursor: 'not a cursor' }, 'cursor'],
    ['listVersions', { family: 'web-base', cursor: 'bm90LWEta2V5' }, 'cursor'],
    ['getVersion', { family: 'web-base', version: "1'; DROP TABLE x" }, 'version'],
    ['promote', { family: 'web-base', channel: 'prod', version: '' }, 'version'],
    ['requestRebuild', { family: 'web-base', reason: 'a\u0000b' }, 'reason'],
  ])('%s with %j is INVALID_ARGUMENT naming %s', async (method, request, field) => {
    const admin = await catalog.token('admin');
    const { error } = await grpcCall(catalog.grpcClient(), method, request, admin);
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toContain(field);
  });
});
