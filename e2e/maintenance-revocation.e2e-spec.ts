import {
  eventually,
  FidelityForTest,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { adminCalls, FAST_BUILDER_ENV } from './support/journey.js';

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/**
 * Revocation down a lineage, with the catalog, builder and scanner as processes: revoking the
 * parent version a child was built from stops resolve for it, falls the parent's channel back,
 * and the real builder rebuilds the child from the good parent version.
 */
describe('a revoked parent version rebuilds its child (catalog, builder, scanner as processes)', () => {
  let fidelity: FidelityForTest;
  const services: ServiceProcess[] = [];
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 1000, throttle: true });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await fidelity?.close();
  });

  it('rebuilds the child from the version the parent channel fell back to', async () => {
    const env = { AWS_ENDPOINT_URL: fidelity.url };
    const catalog = await startServiceProcess('catalog', env);
    const builder = await startServiceProcess('builder', { ...env, ...FAST_BUILDER_ENV });
    const scanner = await startServiceProcess('maintenance-scanner', {
      ...env,
      SCAN_WORKER_INTERVAL_MS: '200',
    });
    services.push(catalog, builder, scanner);
    await Promise.all(services.map((s) => waitReady(s)));
    const call = await adminCalls();
    const builds = async (family: string) =>
      ((await call(builder.url, 'GET', `/v1/builds?family=${family}`)).body.items ?? []) as any[];
    const succeeded = async (family: string, n: number) => {
      let seen: any[] = [];
      await eventually(
        async () => {
          seen = await builds(family);
          return seen.length === n && seen.every((b) => b.state === 'succeeded');
        },
        120_000,
        () =>
          `${n} succeeded builds of ${family} (now: ${JSON.stringify(seen.map((b) => [b.state, b.step, b.failureReason]))})`,
      );
      return seen;
    };
    const versionsOf = async (family: string) =>
      ((await call(catalog.url, 'GET', `/v1/families/${family}/versions`)).body.items ??
        []) as any[];
    const latest = async (family: string) => (await versionsOf(family))[0];
    // The builder's success reaches the catalog through Kafka: wait for the n-th version there.
    const inCatalog = async (family: string, n: number) => {
      await eventually(
        async () => (await versionsOf(family)).length === n,
        30_000,
        `${n} versions of ${family} in the catalog`,
      );
      return latest(family);
    };
    const rebuild = async (family: string, force = false) =>
      expect(
        (
          await call(catalog.url, 'POST', `/v1/families/${family}/rebuilds`, {
            reason: 'e2e',
            force,
          })
        ).status,
      ).toBe(202);
    const promote = async (family: string, version: string) =>
      expect(
        (
          await call(catalog.url, 'POST', `/v1/families/${family}/channels/prod/promote`, {
            version,
          })
        ).status,
      ).toBe(200);

    const base = uniqueName('e2e-rbase');
    const child = uniqueName('e2e-rchild');
    const recipe = { region: 'us-east-1' };
    expect(
      (
        await call(catalog.url, 'POST', '/v1/specs', {
          name: base,
          owner: 'e2e',
          source: { ssmParameter: AL2023 },
          build: recipe,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(catalog.url, 'POST', '/v1/specs', {
          name: child,
          owner: 'e2e',
          source: { family: { name: base, channel: 'prod' } },
          build: recipe,
        })
      ).status,
    ).toBe(201);

    await rebuild(base);
    await succeeded(base, 1);
    const good = (await inCatalog(base, 1)).version;
    await promote(base, good);
    await rebuild(base, true);
    await succeeded(base, 2);
    const bad = (await inCatalog(base, 2)).version;
    await promote(base, bad);
    await rebuild(child);
    await succeeded(child, 1);
    expect((await inCatalog(child, 1)).parent).toEqual({ family: base, version: bad });
    await eventually(
      async () =>
        (await call(scanner.url, 'GET', `/v1/maintenance/findings/${child}`)).body.findings
          ?.lastBuild?.version !== undefined,
      30_000,
      'the child version seen by the scanner',
    );

    const revoked = await call(catalog.url, 'POST', `/v1/families/${base}/versions/${bad}/revoke`, {
      reason: 'CVE-2026-0003',
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.channels).toEqual([{ channel: 'prod', fellBackTo: good }]);
    const resolved = await call(
      catalog.url,
      'GET',
      `/v1/families/${base}/resolve?channel=prod&region=us-east-1`,
    );
    expect(resolved.body.version).toBe(good);

    const both = await succeeded(child, 2);
    const rebuilt = both.find((b) => b.requestedBy === 'maintenance-scanner');
    expect(rebuilt?.reason).toContain(`parent-revoked: parent version ${base} ${bad} was revoked`);
    await eventually(
      async () => (await latest(child))?.parent?.version === good,
      30_000,
      'the rebuilt child in the catalog',
    );
    expect((await builds(child)).length).toBe(2);
  });
});
