import { mintToken } from '@ami/auth';
import {
  eventually,
  FidelityForTest,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  uniqueName,
  waitReady,
} from '@ami/testing';

const FAST = {
  BUILD_POLL_INTERVAL_MS: '200',
  BUILD_WORKER_INTERVAL_MS: '100',
  BUILD_LEASE_MS: '3000',
};

/**
 * The platform end to end, as processes: a spec applied on the catalog reaches the builder, a
 * rebuild requested on the catalog's API is built against the EC2 emulator (images pending at
 * first), and the new version is resolvable from the catalog.
 */
describe('rebuild request to resolvable image, across catalog and builder processes', () => {
  let fidelity: FidelityForTest;
  const services: ServiceProcess[] = [];
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 1000 });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await fidelity?.close();
  });

  it('builds, records a catalog version, and resolves it', async () => {
    const catalog = await startServiceProcess('catalog', { AWS_ENDPOINT_URL: fidelity.url });
    const builder = await startServiceProcess('builder', {
      ...FAST,
      AWS_ENDPOINT_URL: fidelity.url,
    });
    services.push(catalog, builder);
    await Promise.all([waitReady(catalog), waitReady(builder)]);
    const admin = await mintToken({
      subject: 'e2e',
      roles: ['admin'],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${catalog.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    const family = uniqueName('e2e');
    const applied = await call('POST', '/v1/specs', {
      name: family,
      owner: 'e2e',
      source: {
        ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      },
      build: {
        region: 'us-east-1',
        customisation: { steps: [{ name: 'hello', run: 'echo hello' }] },
      },
      distribution: { regions: ['us-east-1'] },
    });
    expect(applied.status).toBe(201);
    const requested = await call('POST', `/v1/families/${family}/rebuilds`, {
      reason: 'first build',
      idempotencyKey: `${family}-1`,
    });
    expect(requested.status).toBe(202);

    let resolved: any;
    await eventually(
      async () => {
        resolved = await call(
          'GET',
          `/v1/families/${family}/resolve?channel=latest&region=us-east-1`,
        );
        return resolved.status === 200;
      },
      120_000,
      'the new version to be resolvable from the catalog',
    );
    expect(resolved.body).toMatchObject({
      family,
      region: 'us-east-1',
      imageId: expect.stringMatching(/^ami-/),
    });
    const version = await call('GET', `/v1/families/${family}/versions/${resolved.body.version}`);
    expect(version.body).toMatchObject({
      origin: 'build',
      copies: [{ region: 'us-east-1', state: 'available', imageId: resolved.body.imageId }],
    });
    expect(version.body.source.imageId).toMatch(/^ami-/);
  });
});
