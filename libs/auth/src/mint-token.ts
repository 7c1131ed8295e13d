import { SignJWT } from 'jose';
import type { Role } from './roles.js';

export interface MintTokenOptions {
  subject: string;
  roles: readonly Role[];
  /** The HS256 secret the services verify with (AUTH_JWT_SECRET). */
  secret: string;
  /** Seconds from now (negative for an already expired token), or a span: '90s', '15m', '8h', '7d'. */
  expiresIn: number | string;
  issuer?: string;
  /** Default 'ami-factory', the services' default AUTH_AUDIENCE. */
  audience?: string;
  /** Sent as preferred_username; the actor's name is the subject otherwise. */
  name?: string;
  /** Epoch seconds to mint at (tests with a fake clock). */
  now?: number;
}

/** Signs an HS256 token the platform accepts: for tests and local use, not for production. */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { roles: [...options.roles] };
  if (options.name !== undefined) claims.preferred_username = options.name;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + seconds(options.expiresIn))
    .setAudience(options.audience ?? 'ami-factory');
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  return jwt.sign(new TextEncoder().encode(options.secret));
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function seconds(span: number | string): number {
  if (typeof span === 'number') return span;
  const match = /^(-?\d+)\s*([smhd])$/.exec(span.trim());
  if (match === null)
    throw new Error(`expiresIn: "${span}" is not a span such as 90s, 15m, 8h or 7d`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}
