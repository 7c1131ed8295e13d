import { status as GrpcStatus } from '@grpc/grpc-js';
import { eventually, uniqueName } from '@ami/testing';
import {
  type Copy,
  type PermissionsHarness,
  startPermissions,
} from '../../apps/permissions/test/permissions-harness.js';

const A = '111122223333';
const VERSION = '2026.12.04-1';

/**
 * A public share is impossible while ALLOW_PUBLIC_AMIS is off, whichever way it is asked for.
 * The spec path, the HTTP grant and drift made outside the platform are proved in
 * apps/permissions/test (launch-permissions, public-guard); this adds the gRPC grant, and an
 * admin's public grant made while it was allowed, which must not survive the switch.
 */
describe('no public share while disallowed, over gRPC or from an earlier grant', () => {
  const family = uniqueName('pubgrant');
  let h: PermissionsHarness | undefined;
  let copy: Copy;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('shares publicly on an admin’s gRPC grant while allowed', async () => {
    h = await startPermissions({ env: { ALLOW_PUBLIC_AMIS: 'true' } });
    await h.applySpec(family, { accounts: [A] });
    [copy] = (await h.makeVersion(family, VERSION, ['us-east-1'])) as [Copy];
    await h.announce(family, VERSION, [copy]);
    await h.settled(family, 1);
    const granted = await h.grpc('Grant', { family, public: true, reason: 'launch demo' }, 'admin');
    expect(granted.overrides).toHaveLength(1);
    await eventually(
      async () => (await h!.launchPermissions(copy.region, copy.imageId)).includes('group:all'),
      30_000,
      'the public grant on the image',
    );
  });

  it('refuses a gRPC public grant once disallowed, and withdraws the earlier one', async () => {
    // tests share process.env: say it explicitly
    h = await startPermissions({ env: { ALLOW_PUBLIC_AMIS: 'false' } });
    await expect(
      h.grpc('Grant', { family, public: true, reason: 'again' }, 'admin'),
    ).rejects.toMatchObject({
      code: GrpcStatus.PERMISSION_DENIED,
      details: expect.stringContaining('ALLOW_PUBLIC_AMIS=false'),
    });
    // the earlier grant is still recorded, but the platform's rule wins over it
    await h.grpc('RequestReconcile', { family }, 'operator');
    await h.settled(family, 1);
    await eventually(
      async () => !(await h!.launchPermissions(copy.region, copy.imageId)).includes('group:all'),
      30_000,
      'the public grant to be withdrawn',
    );
    expect(await h.launchPermissions(copy.region, copy.imageId)).toEqual([A]);
    const view = await h.grpc('GetPermissions', { family, version: VERSION });
    expect(view.versions[0].regions[0].actual.public).toBe(false);
  });
});
