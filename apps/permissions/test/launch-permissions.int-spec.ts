import {
  AUDIT_RECORDED,
  LAUNCH_PERMISSIONS_APPLIED,
  LAUNCH_PERMISSIONS_DRIFT_FOUND,
  LAUNCH_PERMISSIONS_DRIFT_REPAIRED,
  LAUNCH_PERMISSIONS_REFUSED,
} from '@ami/contracts';
import { eventually, uniqueName } from '@ami/testing';
import {
  dataOf,
  OU,
  REGIONS,
  startPermissions,
  type Copy,
  type PermissionsHarness,
} from './permissions-harness.js';

const A = '111122223333';
const B = '444455556666';
const OUTSIDER = '999988887777';
const VERSION = '2026.12.01-1';

describe('launch permissions against moto through the fidelity proxy, real Kafka and PostgreSQL', () => {
  let h: PermissionsHarness;
  beforeAll(async () => {
    h = await startPermissions();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('a family shared with 2 accounts and an OU', () => {
    const family = uniqueName('web');
    let copies: Copy[];

    it('shares a new version in 3 regions, the snapshots too, and says so on its topic', async () => {
      const events = await h.listen();
      await h.applySpec(family, { accounts: [A, B], organizationalUnitArns: [OU] });
      copies = await h.makeVersion(family, VERSION);
      await h.announce(family, VERSION, copies);
      await h.settled(family, 3);

      for (const c of copies) {
        expect({
          region: c.region,
          launch: await h.launchPermissions(c.region, c.imageId),
        }).toEqual({
          region: c.region,
          launch: [A, B, OU].sort(),
        });
        expect(c.snapshotIds.length).toBeGreaterThan(0);
        for (const s of c.snapshotIds)
          expect(await h.snapshotPermissions(c.region, s)).toEqual([A, B]);
      }
      await events.waitFor((m) => dataOf(m, LAUNCH_PERMISSIONS_APPLIED, family).length === 3);
      const applied = dataOf(events.messages, LAUNCH_PERMISSIONS_APPLIED, family);
      expect(applied.map((e) => e.region).sort()).toEqual([...REGIONS].sort());
      expect(applied[0]).toMatchObject({
        accounts: [A, B],
        organizationalUnitArns: [OU],
        public: false,
        snapshotAccounts: [A, B],
      });
      await events.stop();

      const view = await h.http(
        'GET',
        `/v1/families/${family}/versions/${VERSION}/permissions`,
        undefined,
        'reader',
      );
      expect(view.status).toBe(200);
      const regions = view.body.versions[0].regions;
      expect(regions).toHaveLength(3);
      for (const r of regions) {
        expect(r.desired).toMatchObject({
          accounts: [A, B],
          organizationalUnitArns: [OU],
          public: false,
        });
        expect(r.actual).toMatchObject({
          accounts: [A, B],
          organizationalUnitArns: [OU],
          public: false,
        });
        expect(r.lastReconciledAt).not.toBeNull();
        expect(r.blockPublicAccess).toBe('unblocked');
      }
      expect(view.body.lastReconciledAt).not.toBeNull();
    });

    it('removes an account everywhere when the spec drops it, from images and snapshots', async () => {
      await h.applySpec(family, { accounts: [A], organizationalUnitArns: [OU] }, 2);
      await eventually(
        async () => {
          for (const c of copies) {
            if ((await h.launchPermissions(c.region, c.imageId)).includes(B)) return false;
            for (const s of c.snapshotIds)
              if ((await h.snapshotPermissions(c.region, s)).includes(B)) return false;
          }
          return true;
        },
        30_000,
        `${B} to be gone from every copy`,
      );
      for (const c of copies)
        expect(await h.launchPermissions(c.region, c.imageId)).toEqual([A, OU].sort());
      // the removal is the platform's own change, not drift
      const drift = await h.http('GET', `/v1/families/${family}/drift`, undefined, 'reader');
      expect(drift.body.items).toEqual([]);
    });

    it('finds a public grant and an extra account made outside the platform, removes them, and audits before and after', async () => {
      const target = copies[1]!;
      await h.shareOutside(target.region, target.imageId, [{ Group: 'all' }, { UserId: OUTSIDER }]);
      expect(await h.launchPermissions(target.region, target.imageId)).toContain('group:all');
      const events = await h.listen();
      const asked = await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
      expect(asked).toMatchObject({ status: 202, body: { copies: 3 } });
      await h.settled(family, 3);
      expect(await h.launchPermissions(target.region, target.imageId)).toEqual([A, OU].sort());

      await events.waitFor(
        (m) => dataOf(m, LAUNCH_PERMISSIONS_DRIFT_REPAIRED, family).length === 1,
      );
      const [found] = dataOf(events.messages, LAUNCH_PERMISSIONS_DRIFT_FOUND, family);
      expect(found).toMatchObject({
        region: target.region,
        imageId: target.imageId,
        mode: 'repair',
      });
      expect(found.differences).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            principal: { kind: 'public', value: 'all' },
            change: 'unexpected',
          }),
          expect.objectContaining({
            principal: { kind: 'account', value: OUTSIDER },
            change: 'unexpected',
          }),
        ]),
      );
      await events.waitFor((m) =>
        dataOf(m, AUDIT_RECORDED, family).some(
          (a) => a.action === 'launch-permissions.drift-repaired',
        ),
      );
      const audit = dataOf(events.messages, AUDIT_RECORDED, family).find(
        (a) => a.action === 'launch-permissions.drift-repaired',
      );
      expect(audit.subject).toMatchObject({
        family,
        region: target.region,
        imageId: target.imageId,
      });
      expect(audit.before.launch).toContainEqual({ kind: 'public', value: 'all' });
      expect(audit.after.launch).not.toContainEqual({ kind: 'public', value: 'all' });
      expect(audit.reason).toMatch(/public grant made outside the platform/);
      await events.stop();

      const history = await h.http('GET', `/v1/families/${family}/drift`, undefined, 'reader');
      expect(history.body.items).toHaveLength(1);
      expect(history.body.items[0]).toMatchObject({ region: target.region, mode: 'repair' });
      expect(history.body.items[0].repaired).toHaveLength(2);
    });
  });

  describe('report-only mode', () => {
    const family = uniqueName('ro');

    it('reports drift and leaves it, except a public grant, which it removes at once', async () => {
      await h.applySpec(family, { accounts: [A], mode: 'report-only' });
      const copies = await h.makeVersion(family, VERSION, ['us-east-1']);
      await h.announce(family, VERSION, copies);
      await h.settled(family, 1);
      const [c] = copies as [Copy];
      expect(await h.launchPermissions(c.region, c.imageId)).toEqual([A]);

      await h.shareOutside(c.region, c.imageId, [{ UserId: OUTSIDER }, { Group: 'all' }]);
      const events = await h.listen();
      await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
      await events.waitFor((m) => dataOf(m, LAUNCH_PERMISSIONS_DRIFT_FOUND, family).length === 1);
      await h.settled(family, 1);
      expect(await h.launchPermissions(c.region, c.imageId)).toEqual([A, OUTSIDER].sort());

      const [found] = dataOf(events.messages, LAUNCH_PERMISSIONS_DRIFT_FOUND, family);
      expect(found.mode).toBe('report-only');
      expect(found.differences).toHaveLength(2);
      await events.waitFor(
        (m) => dataOf(m, LAUNCH_PERMISSIONS_DRIFT_REPAIRED, family).length === 1,
      );
      const [repaired] = dataOf(events.messages, LAUNCH_PERMISSIONS_DRIFT_REPAIRED, family);
      expect(repaired.repaired).toEqual([
        {
          resource: 'image',
          resourceId: c.imageId,
          principal: { kind: 'public', value: 'all' },
          change: 'unexpected',
        },
      ]);
      await events.stop();

      // the same drift, found again, is not reported again
      const again = await h.listen();
      await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
      await h.settled(family, 1);
      await new Promise((r) => setTimeout(r, 1000));
      expect(dataOf(again.messages, LAUNCH_PERMISSIONS_DRIFT_FOUND, family)).toEqual([]);
      expect(await h.launchPermissions(c.region, c.imageId)).toEqual([A, OUTSIDER].sort());
      await again.stop();
    });
  });

  describe('public access while ALLOW_PUBLIC_AMIS is off', () => {
    const family = uniqueName('pub');

    it('refuses a spec asking for it, with a reason and an audit event, and shares with the rest', async () => {
      const events = await h.listen();
      await h.applySpec(family, { accounts: [A], public: true });
      await events.waitFor((m) => dataOf(m, LAUNCH_PERMISSIONS_REFUSED, family).length === 1);
      const [refused] = dataOf(events.messages, LAUNCH_PERMISSIONS_REFUSED, family);
      expect(refused).toMatchObject({
        origin: 'spec',
        principals: [{ kind: 'public', value: 'all' }],
        reason: expect.stringContaining('ALLOW_PUBLIC_AMIS=false'),
      });
      await events.waitFor((m) =>
        dataOf(m, AUDIT_RECORDED, family).some((a) => a.action === 'launch-permissions.refused'),
      );
      await events.stop();
      const copies = await h.makeVersion(family, VERSION, ['us-east-1']);
      await h.announce(family, VERSION, copies);
      await h.settled(family, 1);
      expect(await h.launchPermissions('us-east-1', copies[0]!.imageId)).toEqual([A]);
    });

    it('refuses an API grant asking for it with 403 problem+json and an audit event', async () => {
      const events = await h.listen();
      const res = await h.http('POST', `/v1/families/${family}/grants`, {
        public: true,
        reason: 'demo',
      });
      expect(res.status).toBe(403);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.detail).toContain('ALLOW_PUBLIC_AMIS=false');
      await events.waitFor((m) =>
        dataOf(m, AUDIT_RECORDED, family).some(
          (a) => a.action === 'launch-permissions.refused' && a.outcome === 'rejected',
        ),
      );
      await events.stop();
    });
  });
});
