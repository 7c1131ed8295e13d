import { returnedRows } from '@ami/persistence';

/** Anything that runs SQL: a TypeORM DataSource, EntityManager or QueryRunner. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Who holds a job row, and under which fencing token. */
export interface Lease {
  owner: string;
  epoch: number;
}

/**
 * A fenced write touched no row: another worker claimed the job since this one did (its lease
 * lapsed while it was busy). The caller must drop the job at once: no further AWS call, no
 * cleanup, no event. Not retryable.
 */
export class LeaseLostError extends Error {
  readonly retryable = false;
  constructor(
    readonly table: string,
    readonly id: string,
    readonly lease: Lease,
  ) {
    super(`lease on ${table} ${id} (epoch ${lease.epoch}, ${lease.owner}) was lost`);
    this.name = 'LeaseLostError';
  }
}

export interface ClaimOptions {
  owner: string;
  limit: number;
  leaseMs: number;
  /** SQL over the table's columns selecting due rows, e.g. `state = 'copying' AND next_attempt_at <= now()`. */
  where: string;
  /** Parameters of `where`, numbered from $1. */
  params?: unknown[];
  /** Claim order; oldest first by default. */
  orderBy?: string;
}

/** A claimed row and the lease it was claimed under. */
export interface Claimed<Row> {
  row: Row;
  lease: Lease;
}

/**
 * Fenced leases over one job table (`schema.table`, primary key `id`, with LEASE_COLUMNS_SQL).
 * A claim takes free or expired rows with FOR UPDATE SKIP LOCKED, so replicas never wait on
 * each other, and bumps lease_epoch; every later write names (owner, epoch), so a write from a
 * worker that lost its lease matches 0 rows and throws LeaseLostError.
 */
export class FencedLeases<Row extends Record<string, unknown> = Record<string, unknown>> {
  constructor(readonly table: string) {
    if (!/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(table))
      throw new Error(`job table must be schema.table in lowercase, got "${table}"`);
  }

  async claim(db: Queryable, options: ClaimOptions): Promise<Claimed<Row>[]> {
    const params = options.params ?? [];
    const n = params.length;
    const result = await db.query(
      `UPDATE ${this.table} SET lease_owner = $${n + 1},
         lease_until = now() + ($${n + 2} || ' milliseconds')::interval,
         lease_epoch = lease_epoch + 1
       WHERE id IN (
         SELECT id FROM ${this.table}
         WHERE (${options.where}) AND (lease_until IS NULL OR lease_until < now())
         ORDER BY ${options.orderBy ?? 'id'} LIMIT $${n + 3} FOR UPDATE SKIP LOCKED
       ) RETURNING *`,
      [...params, options.owner, String(options.leaseMs), options.limit],
    );
    return returnedRows<Row>(result).map((row) => ({
      row,
      lease: { owner: options.owner, epoch: Number(row.lease_epoch) },
    }));
  }

  /** Extends a held lease (a step waiting on AWS); false when it was lost meanwhile. */
  async renew(db: Queryable, id: string, lease: Lease, leaseMs: number): Promise<boolean> {
    const result = await db.query(
      `UPDATE ${this.table} SET lease_until = now() + ($4 || ' milliseconds')::interval
       WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING id`,
      [id, lease.owner, lease.epoch, String(leaseMs)],
    );
    return returnedRows(result).length === 1;
  }

  /**
   * Writes `sets` (column -> value; values go in as parameters) if the lease still holds, and
   * releases it unless `keepLease`. Throws LeaseLostError when it does not.
   */
  async update(
    db: Queryable,
    id: string,
    lease: Lease,
    sets: Record<string, unknown>,
    options: { keepLease?: boolean; raw?: string[] } = {},
  ): Promise<void> {
    const values: unknown[] = [id, lease.owner, lease.epoch];
    const assignments = Object.entries(sets).map(([column, value]) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw new Error(`bad column name "${column}"`);
      values.push(value);
      return `${column} = $${values.length}`;
    });
    assignments.push(...(options.raw ?? []));
    if (!options.keepLease) assignments.push('lease_owner = NULL', 'lease_until = NULL');
    if (assignments.length === 0) assignments.push('lease_owner = lease_owner');
    const result = await db.query(
      `UPDATE ${this.table} SET ${assignments.join(', ')}
       WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING id`,
      values,
    );
    if (returnedRows(result).length !== 1) throw new LeaseLostError(this.table, id, lease);
  }

  /** Locks the row for the rest of the transaction if the lease still holds (a fence for writes elsewhere). */
  async assertHeld(db: Queryable, id: string, lease: Lease): Promise<void> {
    const result = await db.query(
      `SELECT id FROM ${this.table} WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 FOR UPDATE`,
      [id, lease.owner, lease.epoch],
    );
    if (returnedRows(result).length !== 1) throw new LeaseLostError(this.table, id, lease);
  }
}
