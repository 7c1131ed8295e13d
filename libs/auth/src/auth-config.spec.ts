import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '@ami/config';
import { loadAuthConfig } from './auth-config.js';

const SECRET = 'a-local-secret-of-at-least-32-chars!';

describe('auth config', () => {
  it('applies the defaults', () => {
    expect(loadAuthConfig({ AUTH_JWT_SECRET: SECRET })).toMatchObject({
      AUTH_AUDIENCE: 'ami-factory',
      AUTH_ROLES_CLAIM: 'roles',
      AUTH_CLOCK_TOLERANCE_S: 30,
    });
  });

  it('refuses to boot without a key source, naming the variables', () => {
    expect(() => loadAuthConfig({})).toThrow(ConfigError);
    expect(() => loadAuthConfig({})).toThrow(
      /AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL: set exactly one/,
    );
  });

  it('refuses two key sources at once', () => {
    expect(() =>
      loadAuthConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://idp.example/jwks' }),
    ).toThrow(/AUTH_JWT_SECRET, AUTH_JWKS_URL: set exactly one token key source, not 2/);
  });

  it('rejects a short secret and a bad PEM without echoing them', () => {
    try {
      loadAuthConfig({ AUTH_JWT_SECRET: 'short-secret', AUTH_JWT_PUBLIC_KEY: 'not-a-key' });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/AUTH_JWT_SECRET: must be at least 32 characters/);
      expect(message).toMatch(/AUTH_JWT_PUBLIC_KEY: is not a PEM public key/);
      expect(message).not.toContain('short-secret');
      expect(message).not.toContain('not-a-key');
    }
  });

  it('accepts a PEM public key written on one line with \\n escapes', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const config = loadAuthConfig({ AUTH_JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') });
    expect(config.AUTH_JWT_PUBLIC_KEY).toBe(pem);
  });
});
