import type { EntityManager } from 'typeorm';

/** The advisory lock one family's changes in one service are made under (`<schema>-family:<f>`). */
export function familyLockKey(schema: string, family: string): string {
  return `${schema}-family:${family}`;
}

/**
 * Takes the family's lock for the rest of the transaction. Re-entrant: a use case that already
 * holds it (and the audit recorder taking it again) waits for nothing. Everything written to the
 * outbox for one family under this lock gets outbox positions in commit order, so the relay
 * publishes that family's events, and its audit trail, in the order they happened.
 */
export async function lockFamily(tx: EntityManager, schema: string, family: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [familyLockKey(schema, family)]);
}
