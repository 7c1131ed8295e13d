import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '@ami/config';

/**
 * The variables of every service that serves an API; spread into the service's config schema:
 * `z.object({ ...commonConfigShape, ...authConfigShape, ... })`. Exactly one key source
 * (secret, public key or JWKS URL) must be set: AuthModule checks that at boot.
 */
export const authConfigShape = {
  /** HS256 shared secret. */
  AUTH_JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (256 bits) for HS256')
    .optional(),
  /** PEM public key (SPKI) for RS256 or ES256; "\n" escapes are accepted for one-line env files. */
  AUTH_JWT_PUBLIC_KEY: z
    .string()
    .transform((pem) => pem.replace(/\\n/g, '\n'))
    .refine(isPublicKeyPem, 'is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----")')
    .optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: env.string('ami-factory'),
  /** The claim holding roles; a dotted path reaches nested claims (realm_access.roles). */
  AUTH_ROLES_CLAIM: env.string('roles'),
  AUTH_CLOCK_TOLERANCE_S: env.int(30),
};

export const authConfigSchema = z.object(authConfigShape);
export type AuthConfig = z.infer<typeof authConfigSchema>;

const KEY_SOURCES = ['AUTH_JWT_SECRET', 'AUTH_JWT_PUBLIC_KEY', 'AUTH_JWKS_URL'] as const;

/** Fails with a ConfigError unless exactly one key source is configured. */
export function assertAuthConfigured(config: AuthConfig): void {
  const set = KEY_SOURCES.filter((name) => config[name] !== undefined);
  if (set.length === 1) return;
  const problem =
    set.length === 0
      ? `${KEY_SOURCES.join(', ')}: set exactly one of them to verify bearer tokens (none is set)`
      : `${set.join(', ')}: set exactly one token key source, not ${set.length}`;
  throw new ConfigError([problem]);
}

/** Reads and checks only the auth variables (tests, CLIs). */
export function loadAuthConfig(source: NodeJS.ProcessEnv = process.env): AuthConfig {
  const config = loadConfig(authConfigSchema, source);
  assertAuthConfigured(config);
  return config;
}

function isPublicKeyPem(pem: string): boolean {
  try {
    return createPublicKey(pem).type === 'public';
  } catch {
    return false;
  }
}
