import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '@ami/observability';
import { AppError } from '@ami/runtime';
import { ResolveInvalidation } from './resolve-invalidation.js';

export interface Resolved {
  family: string;
  channel: string;
  region: string;
  version: string;
  imageId: string;
  state: 'available' | 'deprecated';
}

type CacheEntry = { ok: true; value: Resolved } | { ok: false; error: AppError };

/** States a launch system may still launch from. */
const LAUNCHABLE = ['available', 'deprecated'];

/**
 * The hot path: family + channel (or "latest") + region -> AMI id. Answers from an in-process
 * cache that database notifications keep current; a miss is one indexed query on the
 * catalog's own tables. Never calls EC2.
 */
@Injectable()
export class ResolveService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly byFamily = new Map<string, Set<string>>();
  private readonly hits;
  private readonly misses;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ResolveInvalidation) invalidation: ResolveInvalidation,
    @Inject(MetricsService) metrics: MetricsService,
  ) {
    invalidation.onChange((family) => this.invalidate(family));
    const counter = metrics.counter(
      'ami_catalog_resolve_total',
      'Resolve requests by cache outcome',
      ['cache'],
    );
    this.hits = counter.labels('hit');
    this.misses = counter.labels('miss');
  }

  /**
   * Synchronous when cached (the answer, or the cached error thrown), so the HTTP and gRPC
   * handlers answer without awaiting; a promise only on a miss.
   */
  resolve(family: string, channel: string, region: string): Resolved | Promise<Resolved> {
    const entry = this.cache.get(`${family}\u0000${channel}\u0000${region}`);
    if (!entry) return this.load(family, channel, region).then(unwrap);
    this.hits.inc();
    return unwrap(entry);
  }

  private async load(family: string, channel: string, region: string): Promise<CacheEntry> {
    this.misses.inc();
    let entry: CacheEntry;
    try {
      entry = { ok: true, value: await this.query(family, channel, region) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      entry = { ok: false, error };
    }
    const key = `${family}\u0000${channel}\u0000${region}`;
    if (this.cache.size > 500_000) this.invalidate(null);
    this.cache.set(key, entry);
    let keys = this.byFamily.get(family);
    if (!keys) this.byFamily.set(family, (keys = new Set()));
    keys.add(key);
    return entry;
  }

  private async query(family: string, channel: string, region: string): Promise<Resolved> {
    const known = await this.db.query('SELECT 1 FROM catalog.families WHERE name = $1', [family]);
    if (known.length === 0) throw AppError.notFound(`family ${family} not found`);
    let version: string;
    if (channel === 'latest') {
      const rows = await this.db.query(
        `SELECT v.version FROM catalog.image_versions v JOIN catalog.regional_copies c ON c.family = v.family AND c.version = v.version
         WHERE v.family = $1 AND c.region = $2 AND c.state = ANY($3) ORDER BY v.created_at DESC, v.version DESC LIMIT 1`,
        [family, region, LAUNCHABLE],
      );
      if (rows.length === 0)
        throw AppError.notFound(`family ${family} has no launchable image in region ${region}`);
      version = rows[0].version;
    } else {
      const rows = await this.db.query(
        'SELECT version FROM catalog.channels WHERE family = $1 AND name = $2',
        [family, channel],
      );
      if (rows.length === 0) throw AppError.notFound(`family ${family} has no channel ${channel}`);
      version = rows[0].version;
    }
    const copies = await this.db.query(
      'SELECT image_id, state FROM catalog.regional_copies WHERE family = $1 AND version = $2 AND region = $3',
      [family, version, region],
    );
    const copy = copies[0];
    if (!copy)
      throw AppError.notFound(
        `version ${version} of family ${family} has no copy in region ${region}`,
      );
    if (!LAUNCHABLE.includes(copy.state) || !copy.image_id) {
      throw AppError.notFound(
        `version ${version} of family ${family} is ${copy.state} in region ${region}`,
      );
    }
    return { family, channel, region, version, imageId: copy.image_id, state: copy.state };
  }

  private invalidate(family: string | null): void {
    if (family === null) {
      this.cache.clear();
      this.byFamily.clear();
      return;
    }
    for (const key of this.byFamily.get(family) ?? []) this.cache.delete(key);
    this.byFamily.delete(family);
  }
}

function unwrap(entry: CacheEntry): Resolved {
  if (!entry.ok) throw entry.error;
  return entry.value;
}
