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

const REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'sa-east-1'];

/**
 * Build to every region, as processes: a spec with five distribution regions is applied on the
 * catalog, the builder builds the version in us-east-1, the replicator copies it to the four
 * other regions (copies pending at first, throttling on), and the catalog shows every copy as
 * available and resolves the version in each region.
 */
describe('a built version copied to 4 regions, in the catalog and resolvable there', () => {
  let fidelity: FidelityForTest;
  const services: ServiceProcess[] = [];
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 1500, throttle: true });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await fidelity?.close();
  });

  it('resolves the version in every distribution region', async () => {
    const env = { AWS_ENDPOINT_URL: fidelity.url };
    const catalog = await startServiceProcess('catalog', env);
    const builder = await startServiceProcess('builder', {
      ...env,
      BUILD_POLL_INTERVAL_MS: '200',
      BUILD_WORKER_INTERVAL_MS: '100',
      BUILD_LEASE_MS: '3000',
    });
    const replicator = await startServiceProcess('replicator', {
      ...env,
      COPY_POLL_INTERVAL_MS: '300',
      COPY_WORKER_INTERVAL_MS: '100',
    });
    services.push(catalog, builder, replicator);
    await Promise.all(services.map((s) => waitReady(s)));
    const admin = await mintToken({
      subject: 'e2e',
      roles: ['admin'],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
    const call = async (base: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    const family = uniqueName('e2e-copies');
    const applied = await call(catalog.url, 'POST', '/v1/specs', {
      name: family,
      owner: 'e2e',
      source: {
        ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      },
      build: { region: 'us-east-1', customisation: { steps: [{ name: 'hi', run: 'echo hi' }] } },
      distribution: { regions: REGIONS },
    });
    expect(applied.status).toBe(201);
    const requested = await call(catalog.url, 'POST', `/v1/families/${family}/rebuilds`, {
      reason: 'first build',
      idempotencyKey: `${family}-1`,
    });
    expect(requested.status).toBe(202);

    const resolved: Record<string, any> = {};
    // Where things stand, refreshed every few seconds, for the message if it times out.
    let progress = 'nothing asked yet';
    let progressAt = 0;
    const lookAtProgress = async () => {
      if (Date.now() - progressAt < 3000) return;
      progressAt = Date.now();
      const builds = await call(builder.url, 'GET', `/v1/builds?family=${family}`);
      const copies = await call(replicator.url, 'GET', `/v1/copies?family=${family}`);
      progress = JSON.stringify({
        builds: builds.body.items?.map((b: any) => [b.state, b.step, b.failureReason]),
        copies: copies.body.items?.map((c: any) => [c.region, c.state, c.failureReason]),
      });
    };
    await eventually(
      async () => {
        await lookAtProgress();
        for (const region of REGIONS) {
          if (resolved[region]) continue;
          const r = await call(
            catalog.url,
            'GET',
            `/v1/families/${family}/resolve?channel=latest&region=${region}`,
          );
          if (r.status === 200) resolved[region] = r.body;
        }
        return Object.keys(resolved).length === REGIONS.length;
      },
      150_000,
      () =>
        `the version to resolve in ${REGIONS.join(', ')} (so far: ${Object.keys(resolved).join(', ') || 'none'}; ${progress})`,
    );
    const version = resolved['us-east-1'].version;
    const versionView = await call(
      catalog.url,
      'GET',
      `/v1/families/${family}/versions/${version}`,
    );
    const copies = versionView.body.copies as Array<{
      region: string;
      state: string;
      imageId: string;
    }>;
    expect(copies.map((c) => [c.region, c.state]).sort()).toEqual(
      REGIONS.map((r) => [r, 'available']).sort(),
    );
    for (const region of REGIONS) {
      expect(resolved[region]).toMatchObject({ family, version, region });
      expect(copies.find((c) => c.region === region)?.imageId).toBe(resolved[region].imageId);
    }
    const jobs = await call(replicator.url, 'GET', `/v1/copies?family=${family}`);
    expect(jobs.body.items.map((j: any) => [j.region, j.state, j.imageId]).sort()).toEqual(
      REGIONS.slice(1)
        .map((r) => [r, 'succeeded', resolved[r].imageId])
        .sort(),
    );
  });
});
