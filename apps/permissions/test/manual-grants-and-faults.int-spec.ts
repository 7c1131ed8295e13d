import { DeregisterImageCommand } from '@aws-sdk/client-ec2';
import { AUDIT_RECORDED } from '@ami/contracts';
import { eventually, uniqueName } from '@ami/testing';
import { treatOrganizationsAsUnknown } from '../../../tools/fidelity-proxy/organizations.js';
import {
  dataOf,
  ORG,
  startPermissions,
  type Copy,
  type PermissionsHarness,
} from './permissions-harness.js';

const A = '111122223333';
const B = '444455556666';
const C = '777788889999';
const VERSION = '2026.12.02-1';
const UNKNOWN_ORG = 'arn:aws:organizations::123456789012:organization/o-unknown0001';

describe('manual grants, bad input and faults', () => {
  let h: PermissionsHarness;
  beforeAll(async () => {
    h = await startPermissions();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function sharedVersion(
    family: string,
    sharing: Parameters<PermissionsHarness['applySpec']>[1],
  ) {
    await h.applySpec(family, sharing);
    const copies = await h.makeVersion(family, VERSION, ['us-east-1']);
    await h.announce(family, VERSION, copies);
    await h.settled(family, 1);
    return copies[0] as Copy;
  }

  it('answers 400 listing every malformed account id and ARN', async () => {
    const family = uniqueName('bad');
    await h.applySpec(family, { accounts: [A] });
    const res = await h.http('POST', `/v1/families/${family}/grants`, {
      accounts: ['12345', A, 'not-an-account'],
      organizationArns: ['arn:aws:organizations::123:organization/x'],
      reason: 'typo',
    });
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: 'accounts.0', message: expect.stringContaining('12345') }),
      expect.objectContaining({
        path: 'accounts.2',
        message: expect.stringContaining('not-an-account'),
      }),
      expect.objectContaining({ path: 'organizationArns.0' }),
    ]);
    const reader = await h.http(
      'POST',
      `/v1/families/${family}/grants`,
      { accounts: [B], reason: 'x' },
      'operator',
    );
    expect(reader.status).toBe(403);
  });

  it('records a manual grant (audited) that reconciling keeps, and revokes it at its expiry', async () => {
    const family = uniqueName('grant');
    const copy = await sharedVersion(family, { accounts: [A] });
    const events = await h.listen();
    const expiresAt = new Date(Date.now() + 4000).toISOString();
    const res = await h.http('POST', `/v1/families/${family}/grants`, {
      accounts: [C],
      version: VERSION,
      expiresAt,
      reason: 'vendor trial',
    });
    expect(res.status).toBe(201);
    // The image's permissions and its snapshot's are two calls: wait for both.
    const both = async () => ({
      image: await h.launchPermissions(copy.region, copy.imageId),
      snapshot: await h.snapshotPermissions(copy.region, copy.snapshotIds[0]!),
    });
    let seen = await both();
    await eventually(
      async () => (seen = await both()).image.includes(C) && seen.snapshot.includes(C),
      15_000,
      () => `the grant on the image and its snapshot (so far ${JSON.stringify(seen)})`,
    );
    expect(seen).toEqual({ image: [A, C], snapshot: [A, C] });
    await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
    await h.settled(family, 1);
    expect(await h.launchPermissions(copy.region, copy.imageId)).toEqual([A, C]);
    await eventually(
      async () => !(seen = await both()).image.includes(C) && !seen.snapshot.includes(C),
      20_000,
      () => `the expiry on the image and its snapshot (so far ${JSON.stringify(seen)})`,
    );
    expect(seen).toEqual({ image: [A], snapshot: [A] });
    await events.waitFor((m) => {
      const actions = dataOf(m, AUDIT_RECORDED, family).map((a) => a.action);
      return (
        actions.includes('launch-permissions.granted') &&
        actions.includes('launch-permissions.grant-expired')
      );
    });
    const granted = dataOf(events.messages, AUDIT_RECORDED, family).find(
      (a) => a.action === 'launch-permissions.granted',
    );
    expect(granted).toMatchObject({
      actor: 'tester',
      after: { principal: { kind: 'account', value: C } },
      reason: 'vendor trial',
    });
    await events.stop();
  });

  it('keeps a manual revocation of an account the spec lists', async () => {
    const family = uniqueName('revoke');
    const copy = await sharedVersion(family, { accounts: [A, B] });
    const res = await h.http('POST', `/v1/families/${family}/revocations`, {
      accounts: [B],
      reason: 'offboarded',
    });
    expect(res.status).toBe(201);
    await eventually(
      async () => !(await h.launchPermissions(copy.region, copy.imageId)).includes(B),
      15_000,
      'the revocation',
    );
    await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
    await h.settled(family, 1);
    expect(await h.launchPermissions(copy.region, copy.imageId)).toEqual([A]);
    const withdrawn = await h.http('DELETE', `/v1/families/${family}/overrides/${res.body[0].id}`);
    expect(withdrawn.status).toBe(200);
    await eventually(
      async () => (await h.launchPermissions(copy.region, copy.imageId)).includes(B),
      15_000,
      'B back',
    );
  });

  it('answers 409 to a grant for a version whose images are deregistered', async () => {
    const family = uniqueName('gone');
    const copy = await sharedVersion(family, { accounts: [A] });
    const ec2 = h.outside(copy.region);
    await ec2.send(new DeregisterImageCommand({ ImageId: copy.imageId }));
    ec2.destroy();
    await h.http('POST', `/v1/families/${family}/reconcile`, {}, 'operator');
    await eventually(
      async () => {
        const view = await h.http('GET', `/v1/families/${family}/permissions`, undefined, 'reader');
        return view.body.versions[0].regions[0].imageState === 'deregistered';
      },
      15_000,
      'the copy to be seen as deregistered',
    );
    const res = await h.http('POST', `/v1/families/${family}/grants`, {
      accounts: [C],
      version: VERSION,
      reason: 'late',
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('deregistered');
  });

  it('applies the other principals when EC2 refuses one, and shows the refusal in the state', async () => {
    treatOrganizationsAsUnknown(h.fidelity.proxy.state, ['o-unknown0001']);
    const family = uniqueName('org');
    const copy = await sharedVersion(family, {
      accounts: [A],
      organizationArns: [ORG, UNKNOWN_ORG],
    });
    expect(await h.launchPermissions(copy.region, copy.imageId)).toEqual([A, ORG].sort());
    const view = await h.http('GET', `/v1/families/${family}/permissions`, undefined, 'reader');
    const region = view.body.versions[0].regions[0];
    expect(region.failures).toEqual([
      {
        principal: { kind: 'organization', value: UNKNOWN_ORG },
        reason: expect.stringContaining('InvalidParameter'),
      },
    ]);
    expect(region.actual.organizationArns).toEqual([ORG]);
  });

  it('finishes an apply cut short by EC2 failures without sending anything twice', async () => {
    const family = uniqueName('cut');
    await h.applySpec(family, { accounts: [A, B] });
    const copies = await h.makeVersion(family, VERSION, ['eu-west-1']);
    const copy = copies[0]!;
    await h.fidelity.resetCounters();
    // the image's permissions go through, then every attempt at the snapshot fails: the pass dies
    await h.fidelity.addFault({
      action: 'ModifySnapshotAttribute',
      kind: 'internal-error',
      count: 2,
    });
    await h.announce(family, VERSION, copies);
    await eventually(
      async () => {
        const rows = await h.db.query(
          'SELECT last_error FROM permissions.copies WHERE family = $1',
          [family],
        );
        return Boolean(rows[0]?.last_error);
      },
      15_000,
      'the first pass to fail',
    );
    await h.settled(family, 1);
    expect(await h.launchPermissions(copy.region, copy.imageId)).toEqual([A, B]);
    expect(await h.snapshotPermissions(copy.region, copy.snapshotIds[0]!)).toEqual([A, B]);
    const counters = (await h.fidelity.counters()).scopes[`123456789012/${copy.region}`]!;
    expect(counters.ModifyImageAttribute).toMatchObject({ ok: 1, error: 0 });
    expect(counters.ModifySnapshotAttribute).toMatchObject({ ok: 1, fault: 2 });
    await h.fidelity.clearFaults();
  });
});
