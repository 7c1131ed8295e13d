import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '@ami/persistence';
import type { PageRequest } from '@ami/runtime';
import type { FactPosition } from './fact-position.js';
import type { AccountCopy, ImageVersion, RegionalCopy } from './version.types.js';

function toCopy(row: any): RegionalCopy {
  return {
    region: row.region,
    imageId: row.image_id,
    snapshotIds: row.snapshot_ids ?? [],
    state: row.state,
    stateReason: row.state_reason,
    ownerId: row.owner_id,
    ownerType: row.owner_type,
    rootDeviceType: row.root_device_type,
    launchPermissions: row.launch_permissions,
    updatedAt: row.updated_at,
  };
}

const toAccountCopy = (r: any): AccountCopy => ({
  account: r.account,
  region: r.region,
  imageId: r.image_id,
  snapshotIds: r.snapshot_ids ?? [],
  state: r.state,
  stateReason: r.state_reason,
  updatedAt: r.updated_at,
});

export interface AccountCopyChange {
  family: string;
  version: string;
  account: string;
  region: string;
  state: AccountCopy['state'];
  imageId?: string | null;
  snapshotIds?: string[];
  reason?: string | null;
}

function toVersion(
  row: any,
  copies: RegionalCopy[],
  accountCopies: AccountCopy[] = [],
): ImageVersion {
  return {
    family: row.family,
    version: row.version,
    origin: row.origin,
    buildId: row.build_id,
    specVersion: row.spec_version,
    recipeDigest: row.recipe_digest,
    source: {
      imageId: row.source_image_id,
      region: row.source_region,
      description: row.source_description,
    },
    parent: row.parent_family ? { family: row.parent_family, version: row.parent_version } : null,
    createdAt: row.created_at,
    revoked: row.revoked_at
      ? { at: row.revoked_at, by: row.revoked_by, reason: row.revoke_reason }
      : null,
    copies,
    accountCopies,
  };
}

export interface NewVersion {
  family: string;
  version: string;
  origin: 'build' | 'import';
  buildId?: string | null;
  specVersion?: number | null;
  recipeDigest?: string | null;
  sourceImageId?: string | null;
  sourceRegion?: string | null;
  sourceDescription?: string | null;
  parent?: { family: string; version: string } | null;
  createdAt: string | Date;
}

export interface CopyChange {
  family: string;
  version: string;
  region: string;
  state: RegionalCopy['state'];
  imageId?: string | null;
  snapshotIds?: string[];
  reason?: string | null;
  ownerId?: string | null;
  ownerType?: string | null;
  rootDeviceType?: string | null;
}

/** Image versions and their regional copies: the catalog's read model. */
@Injectable()
export class VersionsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * An owned copy's fact. A copy once available only leaves that state for released (a
   * late "started" or a replay never takes it back to pending).
   */
  async applyAccountCopyFact(tx: EntityManager, c: AccountCopyChange): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO catalog.account_copies (family, version, account, region, image_id, snapshot_ids, state, state_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (family, version, account, region) DO UPDATE SET
         image_id = COALESCE(EXCLUDED.image_id, catalog.account_copies.image_id),
         snapshot_ids = CASE WHEN cardinality(EXCLUDED.snapshot_ids) > 0 THEN EXCLUDED.snapshot_ids ELSE catalog.account_copies.snapshot_ids END,
         state = EXCLUDED.state, state_reason = EXCLUDED.state_reason, updated_at = now()
       WHERE NOT (catalog.account_copies.state = 'available' AND EXCLUDED.state IN ('pending', 'failed'))
         AND catalog.account_copies.state <> 'released'
       RETURNING family`,
      [
        c.family,
        c.version,
        c.account,
        c.region,
        c.imageId ?? null,
        c.snapshotIds ?? [],
        c.state,
        c.reason ?? null,
      ],
    );
    return returnedRows(result).length === 1;
  }

  async get(
    family: string,
    version: string,
    tx: EntityManager = this.db.manager,
  ): Promise<ImageVersion | null> {
    const rows = await tx.query(
      'SELECT * FROM catalog.image_versions WHERE family = $1 AND version = $2',
      [family, version],
    );
    if (!rows[0]) return null;
    const copies = await tx.query(
      'SELECT * FROM catalog.regional_copies WHERE family = $1 AND version = $2 ORDER BY region',
      [family, version],
    );
    const owned = await tx.query(
      'SELECT * FROM catalog.account_copies WHERE family = $1 AND version = $2 ORDER BY account, region',
      [family, version],
    );
    return toVersion(rows[0], copies.map(toCopy), owned.map(toAccountCopy));
  }

  /** Newest first; the cursor is the created_at/version of the last item. */
  async list(
    family: string,
    page: PageRequest,
    filter: { region?: string; state?: string } = {},
  ): Promise<ImageVersion[]> {
    const [afterTime, afterVersion] = page.after ? page.after.split('|') : [null, null];
    const rows = await this.db.query(
      `SELECT v.* FROM catalog.image_versions v
       WHERE v.family = $1
         AND ($2::timestamptz IS NULL OR (v.created_at, v.version) < ($2::timestamptz, $3::text))
         AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM catalog.regional_copies c WHERE c.family = v.family AND c.version = v.version AND c.region = $4 AND ($5::text IS NULL OR c.state = $5)))
         AND ($5::text IS NULL OR $4::text IS NOT NULL OR EXISTS (SELECT 1 FROM catalog.regional_copies c WHERE c.family = v.family AND c.version = v.version AND c.state = $5))
       ORDER BY v.created_at DESC, v.version DESC LIMIT $6`,
      [
        family,
        afterTime,
        afterVersion,
        filter.region ?? null,
        filter.state ?? null,
        page.limit + 1,
      ],
    );
    if (rows.length === 0) return [];
    const copies = await this.db.query(
      'SELECT * FROM catalog.regional_copies WHERE family = $1 AND version = ANY($2) ORDER BY region',
      [family, rows.map((r: any) => r.version)],
    );
    const owned = await this.db.query(
      'SELECT * FROM catalog.account_copies WHERE family = $1 AND version = ANY($2) ORDER BY account, region',
      [family, rows.map((r: any) => r.version)],
    );
    return rows.map((r: any) =>
      toVersion(
        r,
        copies.filter((c: any) => c.version === r.version).map(toCopy),
        owned.filter((c: any) => c.version === r.version).map(toAccountCopy),
      ),
    );
  }

  async insertVersion(tx: EntityManager, v: NewVersion): Promise<boolean> {
    const inserted = await tx.query(
      `INSERT INTO catalog.image_versions (family, version, origin, build_id, spec_version, recipe_digest, source_image_id, source_region, source_description, parent_family, parent_version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING version`,
      [
        v.family,
        v.version,
        v.origin,
        v.buildId ?? null,
        v.specVersion ?? null,
        v.recipeDigest ?? null,
        v.sourceImageId ?? null,
        v.sourceRegion ?? null,
        v.sourceDescription ?? null,
        v.parent?.family ?? null,
        v.parent?.version ?? null,
        v.createdAt,
      ],
    );
    return inserted.length > 0;
  }

  /** A copy the catalog observes itself (an import): a fact as of now. */
  async upsertCopy(tx: EntityManager, c: CopyChange): Promise<boolean> {
    return this.applyCopyFact(tx, c, { time: new Date().toISOString(), rank: 0 });
  }

  /**
   * Applies a fact to a regional copy unless the copy already holds a later one, or has been
   * deregistered (final for its image: AWS never brings a deregistered image back). Returns
   * whether the fact was applied.
   */
  async applyCopyFact(tx: EntityManager, c: CopyChange, at: FactPosition): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO catalog.regional_copies (family, version, region, image_id, snapshot_ids, state, state_reason, owner_id, owner_type, root_device_type, fact_time, fact_rank)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (family, version, region) DO UPDATE SET
         image_id = COALESCE(EXCLUDED.image_id, regional_copies.image_id),
         snapshot_ids = CASE WHEN cardinality(EXCLUDED.snapshot_ids) > 0 THEN EXCLUDED.snapshot_ids ELSE regional_copies.snapshot_ids END,
         state = EXCLUDED.state, state_reason = EXCLUDED.state_reason,
         owner_id = COALESCE(EXCLUDED.owner_id, regional_copies.owner_id),
         owner_type = COALESCE(EXCLUDED.owner_type, regional_copies.owner_type),
         root_device_type = COALESCE(EXCLUDED.root_device_type, regional_copies.root_device_type),
         fact_time = EXCLUDED.fact_time, fact_rank = EXCLUDED.fact_rank,
         updated_at = now()
       WHERE NOT (regional_copies.state = 'deregistered'
                  AND (EXCLUDED.image_id IS NULL OR EXCLUDED.image_id = regional_copies.image_id))
         AND (regional_copies.fact_time IS NULL
              OR (EXCLUDED.fact_time, EXCLUDED.fact_rank) > (regional_copies.fact_time, regional_copies.fact_rank))
       RETURNING region`,
      [
        c.family,
        c.version,
        c.region,
        c.imageId ?? null,
        c.snapshotIds ?? [],
        c.state,
        c.reason ?? null,
        c.ownerId ?? null,
        c.ownerType ?? null,
        c.rootDeviceType ?? null,
        at.time,
        at.rank,
      ],
    );
    return returnedRows(result).length > 0;
  }

  /** A copy's launch permissions, unless it holds some from a later fact (`at`). */
  async setLaunchPermissions(
    tx: EntityManager,
    copy: { family: string; version: string; region: string },
    permissions: Record<string, unknown>,
    at: string,
  ): Promise<'applied' | 'stale' | 'no-copy'> {
    const key = [copy.family, copy.version, copy.region];
    const result = await tx.query(
      `UPDATE catalog.regional_copies SET launch_permissions = $4, permissions_time = $5, updated_at = now()
       WHERE family = $1 AND version = $2 AND region = $3 AND (permissions_time IS NULL OR permissions_time < $5)
       RETURNING region`,
      [...key, JSON.stringify(permissions), at],
    );
    if (returnedRows(result).length > 0) return 'applied';
    const rows = await tx.query(
      'SELECT 1 FROM catalog.regional_copies WHERE family = $1 AND version = $2 AND region = $3',
      key,
    );
    return rows.length > 0 ? 'stale' : 'no-copy';
  }

  async exists(tx: EntityManager, family: string, version: string): Promise<boolean> {
    const rows = await tx.query(
      'SELECT 1 FROM catalog.image_versions WHERE family = $1 AND version = $2',
      [family, version],
    );
    return rows.length > 0;
  }

  /** The next import version for a day: 2026.11.27-i1, -i2, ... */
  async nextImportVersion(tx: EntityManager, family: string, day: string): Promise<string> {
    const rows = await tx.query(
      // split_part, not a regex anchored with a dollar before a quote: tsc-alias mangles that pair (test/foundation/build-output.spec.ts).
      `SELECT coalesce(max(ltrim(split_part(version, '-', 2), 'i')::int), 0) + 1 AS n FROM catalog.image_versions WHERE family = $1 AND version LIKE $2`,
      [family, `${day}-i%`],
    );
    return `${day}-i${rows[0].n}`;
  }

  /** Locks a version for a revocation: null when it does not exist, else who revoked it (if anyone). */
  async lockForRevocation(
    tx: EntityManager,
    family: string,
    version: string,
  ): Promise<{ revokedBy: string | null } | null> {
    const [row] = await tx.query(
      'SELECT revoked_by FROM catalog.image_versions WHERE family = $1 AND version = $2 FOR UPDATE',
      [family, version],
    );
    return row ? { revokedBy: row.revoked_by } : null;
  }

  /** Marks a version revoked; when. */
  async markRevoked(
    tx: EntityManager,
    family: string,
    version: string,
    by: string,
    reason: string,
  ): Promise<Date> {
    const [row] = returnedRows<{ revoked_at: Date }>(
      await tx.query(
        `UPDATE catalog.image_versions SET revoked_at = now(), revoked_by = $3, revoke_reason = $4
         WHERE family = $1 AND version = $2 RETURNING revoked_at`,
        [family, version, by, reason],
      ),
    );
    return new Date(row!.revoked_at);
  }
}
