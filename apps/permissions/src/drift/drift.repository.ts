import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { PermissionDifference } from '@ami/contracts';
import type { PageRequest } from '@ami/runtime';
import type { ActualPermissions } from '../sharing/permission-plan.js';

export interface DriftRecord {
  id: string;
  family: string;
  version: string;
  region: string;
  imageId: string;
  mode: 'repair' | 'report-only';
  differences: PermissionDifference[];
  repaired: PermissionDifference[];
  actual: ActualPermissions;
  after: ActualPermissions;
  foundAt?: string;
}

/** Drift history: every time a reconcile found a copy's permissions changed outside the platform. */
@Injectable()
export class DriftRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async record(tx: EntityManager, d: Omit<DriftRecord, 'id' | 'foundAt'>): Promise<void> {
    await tx.query(
      `INSERT INTO permissions.drift (family, version, region, image_id, mode, differences, repaired, actual, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        d.family,
        d.version,
        d.region,
        d.imageId,
        d.mode,
        JSON.stringify(d.differences),
        JSON.stringify(d.repaired),
        JSON.stringify(d.actual),
        JSON.stringify(d.after),
      ],
    );
  }

  /** Newest first; the cursor is the last id seen. */
  async list(family: string, page: PageRequest, version?: string): Promise<DriftRecord[]> {
    const rows = await this.db.query(
      `SELECT * FROM permissions.drift WHERE family = $1 AND ($2::text IS NULL OR version = $2)
         AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
      [family, version ?? null, page.after ?? null, page.limit + 1],
    );
    return rows.map((r: Record<string, any>) => ({
      id: String(r.id),
      family: r.family,
      version: r.version,
      region: r.region,
      imageId: r.image_id,
      mode: r.mode,
      differences: r.differences,
      repaired: r.repaired,
      actual: r.actual,
      after: r.after,
      foundAt: new Date(r.found_at).toISOString(),
    }));
  }
}
