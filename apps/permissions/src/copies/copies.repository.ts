import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FencedLeases, type Lease } from '@ami/jobs';
import { returnedRows } from '@ami/persistence';
import {
  copyId,
  toManagedCopy,
  type ClaimedCopy,
  type CopyOrigin,
  type ImageState,
  type ManagedCopy,
} from './managed-copy.js';

export interface NewCopy {
  family: string;
  version: string;
  region: string;
  account: string;
  imageId: string;
  snapshotIds: string[];
  origin: CopyOrigin;
}

/** Which copies a pass request names: a family, one version of it, or one image. */
export interface CopyScope {
  family?: string;
  version?: string;
  region?: string;
  imageId?: string;
}

const TABLE = 'permissions.copies';

/** The managed regional copies: job rows advanced by the permissions workers under fenced leases. */
@Injectable()
export class CopiesRepository {
  readonly leases = new FencedLeases(TABLE);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** A new copy (or a copy whose image changed) gets a pass at once. */
  async upsert(tx: EntityManager, c: NewCopy): Promise<void> {
    await tx.query(
      `INSERT INTO ${TABLE} (id, family, version, region, account, image_id, snapshot_ids, origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET
         image_id = EXCLUDED.image_id,
         snapshot_ids = ARRAY(SELECT DISTINCT unnest(${TABLE}.snapshot_ids || EXCLUDED.snapshot_ids)),
         image_state = CASE WHEN ${TABLE}.image_id = EXCLUDED.image_id THEN ${TABLE}.image_state ELSE 'available' END,
         request_generation = ${TABLE}.request_generation + 1,
         request_reason = 'new copy', attempts = 0, next_attempt_at = now(), updated_at = now()`,
      [
        copyId(c.family, c.version, c.region),
        c.family,
        c.version,
        c.region,
        c.account,
        c.imageId,
        c.snapshotIds,
        c.origin,
      ],
    );
  }

  /** Asks for a pass over the copies in scope (a spec change, a grant, a reconcile request). */
  async requestPass(
    tx: EntityManager | DataSource,
    scope: CopyScope,
    reason: string,
  ): Promise<number> {
    const { where, params } = this.scopeWhere(scope);
    const result = await tx.query(
      `UPDATE ${TABLE} SET request_generation = request_generation + 1, request_reason = $${params.length + 1},
         attempts = 0, next_attempt_at = now(), updated_at = now()
       WHERE image_state <> 'deregistered' AND ${where} RETURNING id`,
      [...params, reason],
    );
    return returnedRows(result).length;
  }

  async setImageState(tx: EntityManager, scope: CopyScope, state: ImageState): Promise<void> {
    const { where, params } = this.scopeWhere(scope);
    await tx.query(
      `UPDATE ${TABLE} SET image_state = $${params.length + 1},
         request_generation = request_generation + CASE WHEN $${params.length + 1} = 'deregistered' THEN 0 ELSE 1 END,
         request_reason = 'image ' || $${params.length + 1}, next_attempt_at = now(), updated_at = now()
       WHERE ${where}`,
      [...params, state],
    );
  }

  /**
   * Claims copies that are due: a pass was requested (request_generation ahead of
   * applied_generation) or the last reconcile is older than the interval. Only copies whose
   * family's sharing is known: without a spec there is no desired state to apply.
   */
  async claimDue(
    owner: string,
    limit: number,
    leaseMs: number,
    reconcileIntervalS: number,
  ): Promise<ClaimedCopy[]> {
    const claimed = await this.leases.claim(this.db, {
      owner,
      limit,
      leaseMs,
      where: `image_state <> 'deregistered' AND next_attempt_at <= now()
        AND family IN (SELECT family FROM permissions.family_sharing)
        AND (request_generation > applied_generation
             OR ($1::int > 0 AND (last_reconciled_at IS NULL OR last_reconciled_at < now() - ($1::int * interval '1 second'))))`,
      params: [reconcileIntervalS],
      orderBy: 'next_attempt_at, id',
    });
    return claimed.map(({ row, lease }) => ({ copy: toManagedCopy(row), lease }));
  }

  /** Extends a lease before an AWS mutation: false means another worker owns the copy now. */
  stillHeld(id: string, lease: Lease, leaseMs: number): Promise<boolean> {
    return this.leases.renew(this.db, id, lease, leaseMs);
  }

  async forScope(
    scope: CopyScope,
    tx: EntityManager | DataSource = this.db,
  ): Promise<ManagedCopy[]> {
    const { where, params } = this.scopeWhere(scope);
    const rows = await tx.query(
      `SELECT * FROM ${TABLE} WHERE ${where} ORDER BY version DESC, region`,
      params,
    );
    return rows.map(toManagedCopy);
  }

  private scopeWhere(scope: CopyScope): { where: string; params: unknown[] } {
    const params: unknown[] = [];
    const conditions: string[] = [];
    for (const [key, column] of [
      ['family', 'family'],
      ['version', 'version'],
      ['region', 'region'],
      ['imageId', 'image_id'],
    ] as const) {
      const value = scope[key];
      if (value === undefined) continue;
      params.push(value);
      conditions.push(`${column} = $${params.length}`);
    }
    return { where: conditions.length ? conditions.join(' AND ') : 'true', params };
  }
}
