import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { FamilySpec } from '@ami/contracts';
import type { PageRequest } from '@ami/runtime';
import type { Family, FamilySpecVersion } from './family.types.js';

const FAMILY_COLUMNS = `name, description, owner, spec_version, parent_family, parent_channel, created_at, updated_at`;

function toFamily(row: any): Family {
  return {
    name: row.name,
    description: row.description,
    owner: row.owner,
    specVersion: row.spec_version,
    parent: row.parent_family ? { family: row.parent_family, channel: row.parent_channel } : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSpecVersion(row: any): FamilySpecVersion {
  return {
    family: row.family,
    version: row.version,
    spec: row.spec,
    digest: row.digest,
    appliedBy: row.applied_by,
    appliedAt: row.applied_at,
  };
}

/** Families and their spec versions in the catalog schema. */
@Injectable()
export class FamiliesRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async get(name: string, tx: EntityManager = this.db.manager): Promise<Family | null> {
    const rows = await tx.query(`SELECT ${FAMILY_COLUMNS} FROM catalog.families WHERE name = $1`, [
      name,
    ]);
    return rows[0] ? toFamily(rows[0]) : null;
  }

  async lockForUpdate(tx: EntityManager, name: string): Promise<Family | null> {
    const rows = await tx.query(
      `SELECT ${FAMILY_COLUMNS} FROM catalog.families WHERE name = $1 FOR UPDATE`,
      [name],
    );
    return rows[0] ? toFamily(rows[0]) : null;
  }

  async list(
    page: PageRequest,
    filter: { owner?: string; parent?: string } = {},
  ): Promise<Family[]> {
    const rows = await this.db.query(
      `SELECT ${FAMILY_COLUMNS} FROM catalog.families
       WHERE ($1::text IS NULL OR name > $1) AND ($2::text IS NULL OR owner = $2) AND ($3::text IS NULL OR parent_family = $3)
       ORDER BY name LIMIT $4`,
      [page.after ?? null, filter.owner ?? null, filter.parent ?? null, page.limit + 1],
    );
    return rows.map(toFamily);
  }

  async children(name: string, tx: EntityManager = this.db.manager): Promise<Family[]> {
    const rows = await tx.query(
      `SELECT ${FAMILY_COLUMNS} FROM catalog.families WHERE parent_family = $1 ORDER BY name`,
      [name],
    );
    return rows.map(toFamily);
  }

  async currentSpec(
    name: string,
    tx: EntityManager = this.db.manager,
  ): Promise<FamilySpecVersion | null> {
    const rows = await tx.query(
      `SELECT s.* FROM catalog.family_spec_versions s JOIN catalog.families f ON f.name = s.family AND f.spec_version = s.version WHERE f.name = $1`,
      [name],
    );
    return rows[0] ? toSpecVersion(rows[0]) : null;
  }

  async specVersions(name: string): Promise<FamilySpecVersion[]> {
    const rows = await this.db.query(
      'SELECT * FROM catalog.family_spec_versions WHERE family = $1 ORDER BY version DESC',
      [name],
    );
    return rows.map(toSpecVersion);
  }

  async specVersion(name: string, version: number): Promise<FamilySpecVersion | null> {
    const rows = await this.db.query(
      'SELECT * FROM catalog.family_spec_versions WHERE family = $1 AND version = $2',
      [name, version],
    );
    return rows[0] ? toSpecVersion(rows[0]) : null;
  }

  /** Stores a new spec version and points the family at it (creating the family if new). */
  async saveSpec(
    tx: EntityManager,
    spec: FamilySpec,
    version: number,
    digest: string,
    actor: string,
  ): Promise<void> {
    const parent = spec.source.family ?? null;
    await tx.query(
      `INSERT INTO catalog.families (name, description, owner, spec_version, parent_family, parent_channel)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, owner = EXCLUDED.owner,
         spec_version = EXCLUDED.spec_version, parent_family = EXCLUDED.parent_family,
         parent_channel = EXCLUDED.parent_channel, updated_at = now()`,
      [
        spec.name,
        spec.description,
        spec.owner,
        version,
        parent?.name ?? null,
        parent?.channel ?? null,
      ],
    );
    await tx.query(
      'INSERT INTO catalog.family_spec_versions (family, version, spec, digest, applied_by) VALUES ($1, $2, $3, $4, $5)',
      [spec.name, version, JSON.stringify(spec), digest, actor],
    );
  }

  /** Walks parent links upward: the names of a family's ancestors, nearest first. */
  async ancestorsOf(tx: EntityManager, name: string): Promise<string[]> {
    const rows = await tx.query(
      `WITH RECURSIVE up(name, parent, depth) AS (
         SELECT name, parent_family, 0 FROM catalog.families WHERE name = $1
         UNION ALL SELECT f.name, f.parent_family, up.depth + 1 FROM catalog.families f JOIN up ON f.name = up.parent WHERE up.depth < 64
       ) SELECT name FROM up WHERE depth > 0 ORDER BY depth`,
      [name],
    );
    return rows.map((r: any) => r.name);
  }
}
