import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { AuthConfig } from './auth-config.js';

/** Verifies a token's signature and claims with the one configured key source. */
export type VerifyJwt = (token: string, options: JWTVerifyOptions) => Promise<JWTPayload>;

export function verifierFor(config: AuthConfig): { verifyJwt: VerifyJwt; remote: boolean } {
  if (config.AUTH_JWT_SECRET !== undefined) {
    const secret = new TextEncoder().encode(config.AUTH_JWT_SECRET);
    return {
      verifyJwt: async (token, options) =>
        (await jwtVerify(token, secret, withAlgorithms(options, ['HS256']))).payload,
      remote: false,
    };
  }
  if (config.AUTH_JWT_PUBLIC_KEY !== undefined) {
    const key = createPublicKey(config.AUTH_JWT_PUBLIC_KEY);
    const algorithms = algorithmsFor(key);
    return {
      verifyJwt: async (token, options) =>
        (await jwtVerify(token, key, withAlgorithms(options, algorithms))).payload,
      remote: false,
    };
  }
  if (config.AUTH_JWKS_URL !== undefined) {
    // jose caches the key set, refetches it when a token names an unknown kid, and dedupes fetches.
    const jwks = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL));
    const algorithms = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];
    return {
      verifyJwt: async (token, options) =>
        (await jwtVerify(token, jwks, withAlgorithms(options, algorithms))).payload,
      remote: true,
    };
  }
  throw new Error('no token key source configured');
}

/** Pinning algorithms to the key type stops a token from choosing how it is checked. */
function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'rsa-pss':
      return ['PS256'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'secp384r1' ? ['ES384'] : curve === 'secp521r1' ? ['ES512'] : ['ES256'];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new Error(`AUTH_JWT_PUBLIC_KEY: unsupported key type ${key.asymmetricKeyType}`);
  }
}

function withAlgorithms(options: JWTVerifyOptions, algorithms: string[]): JWTVerifyOptions {
  return { ...options, algorithms };
}
