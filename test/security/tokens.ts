import { mintToken, type Role } from '@ami/auth';
import { LOCAL_AUTH_SECRET } from '@ami/testing';

export const SECRET = process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET;

export const token = (role: Role, secret = SECRET) =>
  mintToken({ subject: `security-${role}`, roles: [role], secret, expiresIn: 600 });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Authorization headers that must never let a caller in, each named: not a bearer token, not
 * a JWT, expired, signed with another secret, for another audience, unsigned (alg none), and a
 * reader's token whose claims were rewritten to admin with the reader's signature kept.
 */
export async function refusedAuthorizations(): Promise<Array<[string, string]>> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: 'intruder',
    roles: ['admin'],
    aud: 'ami-factory',
    iat: now,
    exp: now + 600,
  };
  const reader = await token('reader');
  const [head, , signature] = reader.split('.');
  return [
    ['basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['an empty bearer', 'Bearer '],
    ['not a JWT', 'Bearer not-a-token'],
    [
      'an expired token',
      `Bearer ${await mintToken({ subject: 'late', roles: ['admin'], secret: SECRET, expiresIn: -3600 })}`,
    ],
    [
      'a token signed with another secret',
      `Bearer ${await mintToken({ subject: 'forger', roles: ['admin'], secret: 'not-the-platform-secret-at-all', expiresIn: 600 })}`,
    ],
    [
      'a token for another audience',
      `Bearer ${await mintToken({ subject: 'elsewhere', roles: ['admin'], secret: SECRET, expiresIn: 600, audience: 'another-app' })}`,
    ],
    [
      'an unsigned token (alg none)',
      `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`,
    ],
    ['a reader token rewritten to admin', `Bearer ${head}.${base64url(claims)}.${signature}`],
  ];
}
