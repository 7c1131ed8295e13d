import { highestRole, parseRoles, roleSatisfies } from './roles.js';
import { actorFromClaims } from './actor.js';

describe('roles', () => {
  it('orders reader < operator < admin: a role satisfies itself and every role below it', () => {
    expect(roleSatisfies('admin', 'operator')).toBe(true);
    expect(roleSatisfies('admin', 'reader')).toBe(true);
    expect(roleSatisfies('operator', 'operator')).toBe(true);
    expect(roleSatisfies('operator', 'admin')).toBe(false);
    expect(roleSatisfies('reader', 'operator')).toBe(false);
    expect(roleSatisfies(null, 'reader')).toBe(false);
  });

  it('reads roles from an array or a space or comma separated string, dropping unknown ones', () => {
    expect(parseRoles(['admin', 'reader', 'billing'])).toEqual(['reader', 'admin']);
    expect(parseRoles('operator reader')).toEqual(['reader', 'operator']);
    expect(parseRoles('operator,admin, offline_access')).toEqual(['operator', 'admin']);
    expect(parseRoles(['Admin', 'ADMIN', 42, null])).toEqual(['admin']);
    expect(parseRoles(undefined)).toEqual([]);
    expect(parseRoles({ admin: true })).toEqual([]);
  });

  it('picks the highest role held', () => {
    expect(highestRole(['reader', 'admin', 'operator'])).toBe('admin');
    expect(highestRole([])).toBeNull();
  });
});

describe('actorFromClaims', () => {
  it('names the actor preferred_username, else email, else subject', () => {
    const base = { sub: 'u-1', roles: 'operator' };
    expect(
      actorFromClaims({ ...base, preferred_username: 'alice', email: 'a@x' }, 'roles').name,
    ).toBe('alice');
    expect(actorFromClaims({ ...base, email: 'a@x' }, 'roles').name).toBe('a@x');
    expect(actorFromClaims(base, 'roles')).toEqual({
      subject: 'u-1',
      name: 'u-1',
      roles: ['operator'],
      highestRole: 'operator',
    });
  });

  it('reads a namespaced claim by its exact name and a nested one by its dotted path', () => {
    expect(
      actorFromClaims(
        { sub: 's', 'https://ami.example/roles': ['admin'] },
        'https://ami.example/roles',
      ).highestRole,
    ).toBe('admin');
    expect(
      actorFromClaims(
        { sub: 's', realm_access: { roles: ['operator', 'uma'] } },
        'realm_access.roles',
      ).roles,
    ).toEqual(['operator']);
  });
});
