import { sharingSchema } from '@ami/contracts';
import {
  desiredPermissions,
  NOT_ON_ALLOW_LIST,
  PUBLIC_DISALLOWED,
  type ManualOverride,
  type PlatformSharingRules,
} from './desired-state.js';
import { PUBLIC } from './principal.js';

const OU = 'arn:aws:organizations::123456789012:ou/o-abc123def4/ou-ab12-cdef3456';
const policy = (extra: object = {}) =>
  sharingSchema.parse({
    accounts: ['111122223333', '444455556666'],
    organizationalUnitArns: [OU],
    ...extra,
  });
const open: PlatformSharingRules = { allowPublic: false, allowList: null };
const now = new Date('2026-12-01T12:00:00Z');
const account = (value: string) => ({ kind: 'account' as const, value });
const override = (o: Partial<ManualOverride>): ManualOverride => ({
  id: 'o1',
  effect: 'grant',
  principal: account('777788889999'),
  version: null,
  expiresAt: null,
  ...o,
});
const base = { version: '2026.12.01-1', imageState: 'available' as const, now };

describe('desiredPermissions', () => {
  it('takes the accounts and OUs of the spec, and gives snapshots the same accounts', () => {
    const d = desiredPermissions({ ...base, policy: policy(), overrides: [], rules: open });
    expect(d.launch).toEqual([
      account('111122223333'),
      account('444455556666'),
      { kind: 'organizational-unit', value: OU },
    ]);
    expect(d.volume).toEqual(['111122223333', '444455556666']);
    expect(d.refused).toEqual([]);
    expect(d.additionsAllowed).toBe(true);
  });

  it('refuses public sharing while ALLOW_PUBLIC_AMIS is off, and allows it when on', () => {
    const off = desiredPermissions({
      ...base,
      policy: policy({ public: true }),
      overrides: [],
      rules: open,
    });
    expect(off.launch).not.toContainEqual(PUBLIC);
    expect(off.refused).toEqual([{ principal: PUBLIC, reason: PUBLIC_DISALLOWED }]);
    const on = desiredPermissions({
      ...base,
      policy: policy({ public: true }),
      overrides: [],
      rules: { allowPublic: true, allowList: null },
    });
    expect(on.launch).toContainEqual(PUBLIC);
    expect(on.volume).not.toContain('all');
  });

  it('adds active manual grants, drops manual revocations, and ignores expired or other versions', () => {
    const d = desiredPermissions({
      ...base,
      policy: policy(),
      overrides: [
        override({ id: 'g1' }),
        override({ id: 'g2', principal: account('000000000001'), version: '2026.11.01-1' }),
        override({
          id: 'g3',
          principal: account('000000000002'),
          expiresAt: new Date('2026-12-01T11:59:59Z'),
        }),
        override({ id: 'r1', effect: 'revoke', principal: account('444455556666') }),
      ],
      rules: open,
    });
    expect(d.volume).toEqual(['111122223333', '777788889999']);
  });

  it('keeps principals off the allow-list out, saying why', () => {
    const d = desiredPermissions({
      ...base,
      policy: policy(),
      overrides: [],
      rules: {
        allowPublic: false,
        allowList: {
          accounts: ['111122223333'],
          organizationArns: [],
          organizationalUnitArns: [OU],
        },
      },
    });
    expect(d.volume).toEqual(['111122223333']);
    expect(d.refused).toEqual([{ principal: account('444455556666'), reason: NOT_ON_ALLOW_LIST }]);
  });

  it('freezes a deprecated copy unless the spec shares deprecated versions', () => {
    const frozen = desiredPermissions({
      ...base,
      imageState: 'deprecated',
      policy: policy(),
      overrides: [],
      rules: open,
    });
    expect(frozen.additionsAllowed).toBe(false);
    const shared = desiredPermissions({
      ...base,
      imageState: 'disabled',
      policy: policy({ shareDeprecated: true }),
      overrides: [],
      rules: open,
    });
    expect(shared.additionsAllowed).toBe(true);
  });
});
