import { EnableImageBlockPublicAccessCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AUDIT_RECORDED } from '@ami/contracts';
import { eventually, uniqueName } from '@ami/testing';
import {
  dataOf,
  startPermissions,
  type Copy,
  type PermissionsHarness,
} from './permissions-harness.js';

const A = '111122223333';
const VERSION = '2026.12.03-1';

describe('the public guard is checked again on every pass', () => {
  const family = uniqueName('public');
  let h: PermissionsHarness | undefined;
  let copy: Copy;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('shares publicly while ALLOW_PUBLIC_AMIS is on (never the snapshots), readable over gRPC', async () => {
    h = await startPermissions({ env: { ALLOW_PUBLIC_AMIS: 'true' } });
    await h.applySpec(family, { accounts: [A], public: true });
    [copy] = (await h.makeVersion(family, VERSION, ['us-east-1'])) as [Copy];
    await h.announce(family, VERSION, [copy]);
    await h.settled(family, 1);
    expect(await h.launchPermissions(copy.region, copy.imageId)).toEqual([A, 'group:all']);
    expect(await h.snapshotPermissions(copy.region, copy.snapshotIds[0]!)).toEqual([A]);
    const answer = await h.grpc('GetPermissions', { family, version: VERSION });
    expect(answer.versions[0].regions[0]).toMatchObject({
      region: 'us-east-1',
      imageId: copy.imageId,
      actual: { accounts: [A], public: true },
    });
    await expect(h.grpc('RequestReconcile', { family })).rejects.toMatchObject({ code: 7 });
  });

  it('removes the public grant once the setting is off, and reports block public access in status', async () => {
    // tests share process.env: say it explicitly
    h = await startPermissions({ env: { ALLOW_PUBLIC_AMIS: 'false' } });
    const events = await h.listen();
    const asked = await h.grpc('RequestReconcile', { family }, 'operator');
    expect(asked.copies).toBe(1);
    await h.settled(family, 1);
    expect(await h.launchPermissions(copy.region, copy.imageId)).toEqual([A]);
    await events.waitFor((m) =>
      dataOf(m, AUDIT_RECORDED, family).some((a) => a.action === 'launch-permissions.applied'),
    );
    const audit = dataOf(events.messages, AUDIT_RECORDED, family).find(
      (a) => a.action === 'launch-permissions.applied',
    );
    expect(audit.before.launch).toContainEqual({ kind: 'public', value: 'all' });
    expect(audit.after.launch).toEqual([{ kind: 'account', value: A }]);
    await events.stop();

    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: h.fidelity.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await ec2.send(
      new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: 'block-new-sharing' }),
    );
    ec2.destroy();
    await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
    await eventually(
      async () => {
        const view = await h!.http(
          'GET',
          `/v1/families/${family}/permissions`,
          undefined,
          'reader',
        );
        return view.body.versions[0].regions[0].blockPublicAccess === 'block-new-sharing';
      },
      15_000,
      'block public access in the status',
    );
  });
});
