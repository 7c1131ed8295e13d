import type { JWTPayload } from 'jose';
import { highestRole, parseRoles, type Role } from './roles.js';

/** Who is calling: built from a verified token's claims. */
export interface Actor {
  /** The token's `sub`. */
  readonly subject: string;
  /** A display name for audit records: preferred_username, else email, else sub. */
  readonly name: string;
  readonly roles: readonly Role[];
  readonly highestRole: Role | null;
}

export function actorFromClaims(claims: JWTPayload, rolesClaim: string): Actor {
  const subject = String(claims.sub);
  const name = firstString(claims.preferred_username, claims.email) ?? subject;
  const roles = parseRoles(claimAt(claims, rolesClaim));
  return Object.freeze({
    subject,
    name,
    roles: Object.freeze(roles),
    highestRole: highestRole(roles),
  });
}

/**
 * The claim named exactly `name` (namespaced claims such as "https://ami/roles" contain dots),
 * else the dotted path into nested claims (Keycloak's "realm_access.roles").
 */
function claimAt(claims: JWTPayload, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.length > 0) return value;
  return undefined;
}
