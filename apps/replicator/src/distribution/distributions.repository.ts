import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { DistributionAccount, DistributionTargets } from '@ami/contracts';
import { returnedRows } from '@ami/persistence';

/** The replicator's slice of a family spec. */
export interface FamilyDistribution {
  family: string;
  specVersion: number;
  regions: string[];
  kmsKeys: Record<string, string>;
  /** SSM parameters and launch templates that follow the family's channels. */
  targets: DistributionTargets;
  /** Accounts that get owned copies. */
  accounts: DistributionAccount[];
}

export const NO_TARGETS: DistributionTargets = { ssmParameters: [], launchTemplates: [] };

export const toDistribution = (r: any): FamilyDistribution => ({
  family: r.family,
  specVersion: r.spec_version,
  regions: r.regions,
  kmsKeys: r.kms_keys,
  targets: r.targets ?? NO_TARGETS,
  accounts: r.accounts ?? [],
});

/** A version the replicator has heard of, and where images of it exist without a copy. */
export interface KnownVersion {
  family: string;
  version: string;
  origin: 'build' | 'import';
  specVersion: number | null;
  sourceRegion: string;
  sourceImageId: string;
  images: Record<string, string>;
  planned: boolean;
  correlationId: string | null;
}

const toVersion = (r: any): KnownVersion => ({
  family: r.family,
  version: r.version,
  origin: r.origin,
  specVersion: r.spec_version,
  sourceRegion: r.source_region,
  sourceImageId: r.source_image_id,
  images: r.images ?? {},
  planned: r.planned,
  correlationId: r.correlation_id,
});

@Injectable()
export class DistributionsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async distribution(
    family: string,
    tx: EntityManager = this.db.manager,
  ): Promise<FamilyDistribution | null> {
    const rows = await tx.query('SELECT * FROM replicator.family_distributions WHERE family = $1', [
      family,
    ]);
    return rows[0] ? toDistribution(rows[0]) : null;
  }

  /** Saves a newer spec's distribution; an older or replayed one changes nothing (returns false). */
  async saveDistribution(tx: EntityManager, d: FamilyDistribution): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO replicator.family_distributions (family, spec_version, regions, kms_keys, targets, accounts)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (family) DO UPDATE SET spec_version = EXCLUDED.spec_version, regions = EXCLUDED.regions,
         kms_keys = EXCLUDED.kms_keys, targets = EXCLUDED.targets, accounts = EXCLUDED.accounts, updated_at = now()
       WHERE replicator.family_distributions.spec_version < EXCLUDED.spec_version
       RETURNING family`,
      [
        d.family,
        d.specVersion,
        d.regions,
        JSON.stringify(d.kmsKeys),
        JSON.stringify(d.targets),
        JSON.stringify(d.accounts),
      ],
    );
    return returnedRows(result).length === 1;
  }

  async version(
    family: string,
    version: string,
    tx: EntityManager = this.db.manager,
  ): Promise<KnownVersion | null> {
    const rows = await tx.query(
      'SELECT * FROM replicator.versions WHERE family = $1 AND version = $2',
      [family, version],
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }

  async saveVersion(tx: EntityManager, v: Omit<KnownVersion, 'planned'>): Promise<void> {
    await tx.query(
      `INSERT INTO replicator.versions (family, version, origin, spec_version, source_region, source_image_id, images, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (family, version) DO NOTHING`,
      [
        v.family,
        v.version,
        v.origin,
        v.specVersion,
        v.sourceRegion,
        v.sourceImageId,
        JSON.stringify(v.images),
        v.correlationId,
      ],
    );
  }

  /** Versions not planned yet whose spec version the distribution now covers. */
  async unplanned(tx: EntityManager, family: string, specVersion: number): Promise<KnownVersion[]> {
    const rows = await tx.query(
      `SELECT * FROM replicator.versions WHERE family = $1 AND NOT planned
         AND (spec_version IS NULL OR spec_version <= $2) ORDER BY created_at FOR UPDATE`,
      [family, specVersion],
    );
    return rows.map(toVersion);
  }

  async markPlanned(tx: EntityManager, family: string, version: string): Promise<void> {
    await tx.query(
      'UPDATE replicator.versions SET planned = true WHERE family = $1 AND version = $2',
      [family, version],
    );
  }
}
