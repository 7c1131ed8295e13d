import {
  AUDIT_RECORDED,
  BUILD_SUCCEEDED,
  CHANNEL_MOVED,
  MAINTENANCE_PROMOTION_REQUESTED,
  Topics,
  VERSION_REVOKED,
} from '@ami/contracts';
import { collect, eventually, testKafka, uniqueName } from '@ami/testing';
import { CatalogHarness, startCatalog } from './catalog-harness.js';
import { baseSpec, buildSucceeded } from './fixtures.js';

/** Revoking a version (admin, with a reason), as HCP Packer does. */
describe('revocation (real Kafka, PostgreSQL)', () => {
  let catalog: CatalogHarness;
  beforeAll(async () => {
    catalog = await startCatalog();
  });
  afterAll(async () => {
    await catalog?.close();
  });

  it('refuses resolve for a revoked version, falls its channels back, and says so on the bus', async () => {
    const family = uniqueName('revoke');
    expect((await catalog.http('POST', '/v1/specs', { body: baseSpec(family) })).status).toBe(201);
    for (const version of ['2026.11.27-1', '2026.11.27-2'])
      await catalog.publish(BUILD_SUCCEEDED, buildSucceeded(family, version), family);
    await eventually(
      async () =>
        (await catalog.http('GET', `/v1/families/${family}/versions/2026.11.27-2`)).status === 200,
      30_000,
      'both versions',
    );
    const promote = (version: string) =>
      catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
        role: 'operator',
        body: { version, force: true },
      });
    await promote('2026.11.27-1');
    await promote('2026.11.27-2');
    const resolve = () =>
      catalog.http('GET', `/v1/families/${family}/resolve?channel=prod&region=us-east-1`);
    expect((await resolve()).body.version).toBe('2026.11.27-2');

    const revoke = (role: 'operator' | 'admin', body: unknown) =>
      catalog.http('POST', `/v1/families/${family}/versions/2026.11.27-2/revoke`, { role, body });
    expect((await revoke('operator', { reason: 'CVE-2026-0001' })).status).toBe(403);
    const blank = await revoke('admin', { reason: ' ' });
    expect(blank.status).toBe(400);
    expect(JSON.stringify(blank.body)).toContain('say why the version is revoked');

    const events = await collect(testKafka('revocation-test'), [Topics.CatalogVersions]);
    try {
      const revoked = await revoke('admin', { reason: 'CVE-2026-0001 in openssl' });
      expect(revoked.status).toBe(200);
      expect(revoked.body.channels).toEqual([{ channel: 'prod', fellBackTo: '2026.11.27-1' }]);
      expect((await revoke('admin', { reason: 'again' })).status).toBe(409);

      expect((await resolve()).body.version).toBe('2026.11.27-1');
      const latest = await catalog.http(
        'GET',
        `/v1/families/${family}/resolve?channel=latest&region=us-east-1`,
      );
      expect(latest.body.version).toBe('2026.11.27-1');
      const view = await catalog.http('GET', `/v1/families/${family}/versions/2026.11.27-2`);
      expect(view.body.revoked).toMatchObject({ reason: 'CVE-2026-0001 in openssl' });

      // A channel pointed at the revoked version (forced, by an operator) is refused by resolve.
      await promote('2026.11.27-2');
      const refused = await resolve();
      expect(refused.status).toBe(404);
      expect(refused.body.detail).toContain('was revoked: CVE-2026-0001 in openssl');

      const ours = (all: typeof events.messages) =>
        all
          .map((m) => JSON.parse(m.message.value!.toString()))
          .filter((e) => e.data.family === family);
      const seen = ours(
        await events.waitFor((all) => ours(all).some((e) => e.type === VERSION_REVOKED)),
      );
      expect(seen.map((e) => [e.type, e.data.version])).toEqual([
        [CHANNEL_MOVED, '2026.11.27-1'],
        [VERSION_REVOKED, '2026.11.27-2'],
        ...(seen.length > 2 ? [[CHANNEL_MOVED, '2026.11.27-2']] : []),
      ]);
      expect(seen[0].data.movement).toBe('rollback');
      expect(seen[1].data).toMatchObject({
        reason: 'CVE-2026-0001 in openssl',
        revokedBy: expect.any(String),
      });
    } finally {
      await events.stop();
    }
  });

  it("promotes on the scanner's request, once, and audits a refusal on a protected channel", async () => {
    const family = uniqueName('autopromote');
    const spec = { ...baseSpec(family), distribution: { regions: ['us-east-1'] } };
    expect((await catalog.http('POST', '/v1/specs', { body: spec })).status).toBe(201);
    await catalog.publish(BUILD_SUCCEEDED, buildSucceeded(family, '2026.12.03-1'), family);
    await eventually(
      async () =>
        (await catalog.http('GET', `/v1/families/${family}/versions/2026.12.03-1`)).status === 200,
      30_000,
      'the version',
    );
    const request = (version: string) =>
      catalog.publish(
        MAINTENANCE_PROMOTION_REQUESTED,
        { family, version, channel: 'prod', reason: 'rebuilt', rebuildRequestId: 'r1' },
        family,
      );
    const bus = await collect(testKafka('promotion-test'), [Topics.CatalogVersions, Topics.Audit]);
    try {
      await request('2026.12.03-1');
      await request('2026.12.03-1'); // a second request changes nothing
      await eventually(
        async () =>
          (
            await catalog.http(
              'GET',
              `/v1/families/${family}/resolve?channel=prod&region=us-east-1`,
            )
          ).status === 200,
        30_000,
        'prod to resolve',
      );
      const protect = await catalog.http('PUT', `/v1/families/${family}/channels/prod/protection`, {
        body: { protected: true },
      });
      expect(protect.status).toBe(200);
      await catalog.publish(BUILD_SUCCEEDED, buildSucceeded(family, '2026.12.03-2'), family);
      await eventually(
        async () =>
          (await catalog.http('GET', `/v1/families/${family}/versions/2026.12.03-2`)).status ===
          200,
        30_000,
        'the second version',
      );
      await request('2026.12.03-2');
      const ours = (all: typeof bus.messages) =>
        all
          .map((m) => JSON.parse(m.message.value!.toString()))
          .filter((e) => e.data.family === family || e.data.subject?.family === family);
      const refused = (all: typeof bus.messages) =>
        ours(all).filter(
          (e) => e.type === AUDIT_RECORDED && e.data.action === 'channel.promote-refused',
        );
      await bus.waitFor((all) => refused(all).length === 1);
      const moves = ours(bus.messages).filter((e) => e.type === CHANNEL_MOVED);
      expect(moves.map((e) => [e.data.channel, e.data.movedBy])).toEqual([
        ['prod', 'maintenance-scanner'],
      ]);
      expect(refused(bus.messages)[0].data.reason).toBeDefined();
    } finally {
      await bus.stop();
    }
  });
});
