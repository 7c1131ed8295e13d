/** Platform roles, lowest first: each role includes every role before it. */
export const ROLES = ['reader', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<string, number> = { reader: 0, operator: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** True when `held` is at least `required` (admin satisfies operator and reader). */
export function roleSatisfies(held: Role | null, required: Role): boolean {
  return held !== null && RANK[held]! >= RANK[required]!;
}

/**
 * Reads roles from a claim value: an array of strings, or one string separated by spaces or
 * commas. Case is ignored; roles the platform does not know (an IdP's other groups) are dropped.
 * The result is ordered lowest first and has no duplicates.
 */
export function parseRoles(claim: unknown): Role[] {
  const raw = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  const found = new Set<Role>();
  for (const item of raw) {
    const name = typeof item === 'string' ? item.trim().toLowerCase() : undefined;
    if (isRole(name)) found.add(name);
  }
  return ROLES.filter((role) => found.has(role));
}

export function highestRole(roles: readonly Role[]): Role | null {
  let best: Role | null = null;
  for (const role of roles) if (best === null || RANK[role]! > RANK[best]!) best = role;
  return best;
}
