import type { EntityManager } from 'typeorm';

/**
 * One family's planning at a time (copies and distribution targets), whichever replica or
 * consumer runs it; held to the end of the transaction.
 */
export function lockFamily(tx: EntityManager, family: string): Promise<unknown> {
  return tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`replicator-family:${family}`]);
}
