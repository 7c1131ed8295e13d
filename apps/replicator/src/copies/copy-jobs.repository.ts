import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FencedLeases, type Claimed, type Lease } from '@ami/jobs';
import { returnedRows } from '@ami/persistence';
import type { PageRequest } from '@ami/runtime';
import { CopyJob, CopyState, toCopyJob } from './copy-job.types.js';

export type NewCopyJob = Pick<
  CopyJob,
  | 'id'
  | 'family'
  | 'version'
  | 'sourceRegion'
  | 'sourceImageId'
  | 'region'
  | 'account'
  | 'roleName'
  | 'kmsKeyId'
  | 'requestedBy'
  | 'correlationId'
>;

export interface CopyJobFilter {
  family?: string;
  version?: string;
  region?: string;
  state?: string;
}

const TABLE = 'replicator.copy_jobs';

@Injectable()
export class CopyJobsRepository {
  readonly leases = new FencedLeases(TABLE);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async get(id: string, tx: EntityManager = this.db.manager): Promise<CopyJob | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await tx.query(`SELECT * FROM ${TABLE} WHERE id = $1`, [id]);
    return rows[0] ? toCopyJob(rows[0]) : null;
  }

  async list(page: PageRequest, filter: CopyJobFilter): Promise<CopyJob[]> {
    const [afterTime, afterId] = page.after ? page.after.split('|') : [null, null];
    const rows = await this.db.query(
      `SELECT * FROM ${TABLE}
       WHERE ($1::text IS NULL OR family = $1) AND ($2::text IS NULL OR version = $2)
         AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR state = $4)
         AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $7`,
      [
        filter.family ?? null,
        filter.version ?? null,
        filter.region ?? null,
        filter.state ?? null,
        afterTime,
        afterId,
        page.limit + 1,
      ],
    );
    return rows.map(toCopyJob);
  }

  async forVersion(tx: EntityManager, family: string, version: string): Promise<CopyJob[]> {
    const rows = await tx.query(
      `SELECT * FROM ${TABLE} WHERE family = $1 AND version = $2 ORDER BY region`,
      [family, version],
    );
    return rows.map(toCopyJob);
  }

  async inRegions(tx: EntityManager, family: string, regions: string[]): Promise<CopyJob[]> {
    const rows = await tx.query(
      `SELECT * FROM ${TABLE} WHERE family = $1 AND region = ANY($2) FOR UPDATE`,
      [family, regions],
    );
    return rows.map(toCopyJob);
  }

  /** Inserts jobs; a version x region x account that has one already keeps it. Returns those inserted. */
  async insertMany(tx: EntityManager, jobs: NewCopyJob[]): Promise<CopyJob[]> {
    const inserted: CopyJob[] = [];
    for (const j of jobs) {
      const result = await tx.query(
        `INSERT INTO ${TABLE} (id, family, version, source_region, source_image_id, region, state, kms_key_id, requested_by, correlation_id, account, role_name)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, $11)
         ON CONFLICT (family, version, region, (COALESCE(account, ''))) DO NOTHING RETURNING *`,
        [
          j.id,
          j.family,
          j.version,
          j.sourceRegion,
          j.sourceImageId,
          j.region,
          j.kmsKeyId,
          j.requestedBy,
          j.correlationId,
          j.account,
          j.roleName,
        ],
      );
      inserted.push(...returnedRows(result).map(toCopyJob));
    }
    return inserted;
  }

  /** Destination regions with jobs waiting for a slot. */
  async regionsWaiting(): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT DISTINCT region FROM ${TABLE} WHERE state = 'queued' AND next_attempt_at <= now()`,
    );
    return rows.map((r: { region: string }) => r.region);
  }

  /**
   * Gives queued jobs of one region a slot while fewer than `cap` hold one. The advisory lock
   * makes the count-then-grant atomic across every replica: slots are counted in the table,
   * never in memory, so the cap holds however many replicas run.
   */
  grantSlots(region: string, cap: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`replicator-region:${region}`]);
      const rows = await tx.query(
        `UPDATE ${TABLE} SET state = 'starting', slot_at = now(), next_attempt_at = now(), updated_at = now()
         WHERE id IN (
           SELECT id FROM ${TABLE} WHERE region = $1 AND state = 'queued' AND next_attempt_at <= now()
           ORDER BY created_at, id
           LIMIT GREATEST(0, $2 - (SELECT count(*) FROM ${TABLE} WHERE region = $1 AND state IN ('starting', 'copying')))
           FOR UPDATE SKIP LOCKED
         ) RETURNING id`,
        [region, cap],
      );
      return returnedRows(rows).map((r: any) => r.id as string);
    });
  }

  async claim(
    owner: string,
    state: CopyState,
    limit: number,
    leaseMs: number,
  ): Promise<Claimed<CopyJob>[]> {
    const claimed = await this.leases.claim(this.db, {
      owner,
      limit,
      leaseMs,
      where: `state = $1 AND next_attempt_at <= now()`,
      params: [state],
      orderBy: 'next_attempt_at, id',
    });
    return claimed.map(({ row, lease }) => ({ row: toCopyJob(row), lease }));
  }

  /** A fenced write of a claimed job (see FencedLeases.update); releases the lease. */
  save(
    tx: EntityManager,
    job: CopyJob,
    lease: Lease,
    sets: Record<string, unknown>,
    options: { delayMs?: number; finished?: boolean } = {},
  ): Promise<void> {
    const raw = ['updated_at = now()'];
    if (options.delayMs !== undefined)
      raw.push(
        `next_attempt_at = now() + (${Math.max(0, Math.round(options.delayMs))} * interval '1 millisecond')`,
      );
    if (options.finished) raw.push('finished_at = now()');
    return this.leases.update(tx, job.id, lease, sets, { raw });
  }
}
