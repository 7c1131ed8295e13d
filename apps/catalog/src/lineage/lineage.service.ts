import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '@ami/runtime';

export interface LineageNode {
  family: string;
  version: string;
  sourceImageId: string | null;
  sourceRegion: string | null;
  createdAt: Date;
}

export interface Lineage {
  version: LineageNode;
  /** Parent first, up to the version built from a plain AMI. */
  ancestors: LineageNode[];
  /** The AMI at the root of the tree (what the oldest ancestor was built from). */
  rootSourceImageId: string | null;
  descendants: Array<LineageNode & { parent: { family: string; version: string }; depth: number }>;
}

export interface OutdatedChild {
  family: string;
  parentFamily: string;
  parentChannel: string;
  builtFromParentVersion: string | null;
  parentChannelVersion: string;
  latestVersion: string | null;
}

const node = (r: any): LineageNode => ({
  family: r.family,
  version: r.version,
  sourceImageId: r.source_image_id,
  sourceRegion: r.source_region,
  createdAt: r.created_at,
});

/** Parent/child relations between families and their versions. */
@Injectable()
export class LineageService {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async lineage(family: string, version: string): Promise<Lineage> {
    const self = await this.db.query(
      'SELECT * FROM catalog.image_versions WHERE family = $1 AND version = $2',
      [family, version],
    );
    if (!self[0]) throw AppError.notFound(`version ${version} of family ${family} not found`);
    const ancestors = await this.db.query(
      `WITH RECURSIVE up AS (
         SELECT v.*, 0 AS depth FROM catalog.image_versions v WHERE v.family = $1 AND v.version = $2
         UNION ALL
         SELECT p.*, up.depth + 1 FROM catalog.image_versions p JOIN up ON p.family = up.parent_family AND p.version = up.parent_version WHERE up.depth < 64
       ) SELECT * FROM up WHERE depth > 0 ORDER BY depth`,
      [family, version],
    );
    const descendants = await this.db.query(
      `WITH RECURSIVE down AS (
         SELECT v.*, 1 AS depth FROM catalog.image_versions v WHERE v.parent_family = $1 AND v.parent_version = $2
         UNION ALL
         SELECT c.*, down.depth + 1 FROM catalog.image_versions c JOIN down ON c.parent_family = down.family AND c.parent_version = down.version WHERE down.depth < 64
       ) SELECT * FROM down ORDER BY depth, family, created_at`,
      [family, version],
    );
    const root = ancestors.length ? ancestors[ancestors.length - 1] : self[0];
    return {
      version: node(self[0]),
      ancestors: ancestors.map(node),
      rootSourceImageId: root.source_image_id,
      descendants: descendants.map((r: any) => ({
        ...node(r),
        parent: { family: r.parent_family, version: r.parent_version },
        depth: r.depth,
      })),
    };
  }

  /**
   * Children whose parent channel now points at a newer version than the one their latest
   * version was built from (or that have no version yet while the parent channel has one).
   */
  async outdated(parentFamily?: string): Promise<OutdatedChild[]> {
    const rows = await this.db.query(
      `SELECT f.name AS family, f.parent_family, f.parent_channel, ch.version AS channel_version,
              latest.version AS latest_version, latest.parent_version
       FROM catalog.families f
       JOIN catalog.channels ch ON ch.family = f.parent_family AND ch.name = f.parent_channel
       LEFT JOIN LATERAL (
         SELECT v.version, v.parent_version FROM catalog.image_versions v WHERE v.family = f.name ORDER BY v.created_at DESC, v.version DESC LIMIT 1
       ) latest ON true
       JOIN catalog.image_versions now_v ON now_v.family = f.parent_family AND now_v.version = ch.version
       LEFT JOIN catalog.image_versions built_v ON built_v.family = f.parent_family AND built_v.version = latest.parent_version
       WHERE f.parent_family IS NOT NULL AND ($1::text IS NULL OR f.parent_family = $1)
         AND (built_v.version IS NULL OR now_v.created_at > built_v.created_at)
       ORDER BY f.name`,
      [parentFamily ?? null],
    );
    return rows.map((r: any) => ({
      family: r.family,
      parentFamily: r.parent_family,
      parentChannel: r.parent_channel,
      builtFromParentVersion: r.parent_version,
      parentChannelVersion: r.channel_version,
      latestVersion: r.latest_version,
    }));
  }
}
