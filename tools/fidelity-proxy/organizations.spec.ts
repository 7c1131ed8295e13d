import {
  organizationIdOf,
  treatOrganizationsAsUnknown,
  unknownOrganization,
} from './organizations.js';
import { FidelityState } from './state.js';

describe('unknown organizations', () => {
  const org = 'arn:aws:organizations::123456789012:organization/o-unknown0001';
  const ou = 'arn:aws:organizations::123456789012:ou/o-unknown0001/ou-ab12-cdef3456';

  it('reads the organization id out of organization and OU ARNs', () => {
    expect(organizationIdOf(org)).toBe('o-unknown0001');
    expect(organizationIdOf(ou)).toBe('o-unknown0001');
  });

  it('refuses only the organizations a proxy was told about, with InvalidParameter', () => {
    const state = new FidelityState();
    expect(unknownOrganization(state, [{ organizationArn: org }])).toBeUndefined();
    treatOrganizationsAsUnknown(state, ['o-unknown0001']);
    expect(unknownOrganization(state, [{ userId: '111122223333' }])).toBeUndefined();
    const refusal = unknownOrganization(state, [{ organizationalUnitArn: ou }]);
    expect(refusal?.status).toBe(400);
    expect(refusal?.body).toContain('InvalidParameter');
    expect(unknownOrganization(new FidelityState(), [{ organizationArn: org }])).toBeUndefined();
  });
});
