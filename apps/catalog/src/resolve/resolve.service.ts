import { hash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '@ami/observability';
import { AppError } from '@ami/runtime';
import { ResolveInvalidation } from './resolve-invalidation.js';
import { readResolve } from './resolve.query.js';

export interface Resolved {
  family: string;
  channel: string;
  region: string;
  version: string;
  imageId: string;
  state: 'available' | 'deprecated';
}

/** A found answer as it goes on the wire: the JSON body and its entity tag, made once per fill. */
export interface ResolvedAnswer {
  readonly value: Resolved;
  readonly body: string;
  readonly etag: string;
}

type CacheEntry = { ok: true; answer: ResolvedAnswer } | { ok: false; error: AppError };

/** Keys per batch resolve, at most: one request stays one quick answer. */
export const MAX_BATCH_KEYS = 500;

/** One key of a batch resolve. */
export interface ResolveKey {
  family: string;
  channel: string;
  region: string;
}

/** One key's outcome in a batch: the image, or why there is none (the 404's detail). */
export type BatchResolveResult = ResolveKey &
  ({ found: true; image: Resolved } | { found: false; detail: string });

/** Past this many cached answers the cache starts again from empty (memory bound). */
const MAX_ENTRIES = 500_000;

/**
 * The hot path: family + channel (or "latest") + region -> AMI id. Answers from an in-process
 * cache that database notifications keep current; a miss is one statement (one snapshot) on
 * the catalog's own tables. Never calls EC2.
 *
 * A miss is stored only if no invalidation of its family arrived while it was being read:
 * each family has a generation, bumped by every invalidation, taken before the read and
 * compared before storing. Without it a NOTIFY landing mid-read would be applied first and
 * the old answer stored after it, for good (docs/adr/007-catalog-read-model-and-resolve.md).
 */
@Injectable()
export class ResolveService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly byFamily = new Map<string, Set<string>>();
  /** Generation of each family's last invalidation; `flushed` that of the last flush. */
  private readonly generations = new Map<string, number>();
  private flushed = 0;
  private clock = 0;
  private readonly hits;
  private readonly misses;
  private readonly unstored;
  private readonly invalidations;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
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
    this.unstored = metrics.counter(
      'ami_catalog_resolve_unstored_total',
      'Resolve misses not cached: invalidated while being read, or not listening for changes',
    );
    this.invalidations = metrics.counter(
      'ami_catalog_resolve_invalidations_total',
      'Resolve cache invalidations taken (per family, or flushes)',
    );
  }

  /**
   * Synchronous when cached (the answer, or the cached error thrown), so the HTTP and gRPC
   * handlers answer without awaiting; a promise only on a miss.
   */
  resolve(family: string, channel: string, region: string): Resolved | Promise<Resolved> {
    const answer = this.answer(family, channel, region);
    return answer instanceof Promise ? answer.then((a) => a.value) : answer.value;
  }

  /** Like resolve, with the answer's JSON body and entity tag (HTTP answers with them). */
  answer(
    family: string,
    channel: string,
    region: string,
  ): ResolvedAnswer | Promise<ResolvedAnswer> {
    const entry = this.cache.get(`${family}\u0000${channel}\u0000${region}`);
    if (!entry) return this.load(family, channel, region).then(unwrap);
    this.hits.inc();
    return unwrap(entry);
  }

  /**
   * The cached answer when there is one, counted as a hit; undefined on a miss or a cached
   * refusal, which the caller then serves through the full path (the same outcome, slower).
   */
  cachedAnswer(family: string, channel: string, region: string): ResolvedAnswer | undefined {
    const entry = this.cache.get(`${family}\u0000${channel}\u0000${region}`);
    if (entry === undefined || !entry.ok) return undefined;
    this.hits.inc();
    return entry.answer;
  }

  /** Many keys at once, in their order; a key with no launchable image is a not-found result. */
  async resolveMany(keys: readonly ResolveKey[]): Promise<BatchResolveResult[]> {
    return Promise.all(
      keys.map(async ({ family, channel, region }): Promise<BatchResolveResult> => {
        try {
          const image = await this.resolve(family, channel, region);
          return { family, channel, region, found: true, image };
        } catch (error) {
          if (!(error instanceof AppError) || error.kind !== 'not-found') throw error;
          return { family, channel, region, found: false, detail: error.message };
        }
      }),
    );
  }

  private async load(family: string, channel: string, region: string): Promise<CacheEntry> {
    this.misses.inc();
    const generation = this.generation(family);
    let entry: CacheEntry;
    try {
      entry = { ok: true, answer: answerOf(await readResolve(this.db, family, channel, region)) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      entry = { ok: false, error };
    }
    if (this.generation(family) !== generation || !this.invalidation.listening) {
      this.unstored.inc();
      return entry;
    }
    if (this.cache.size >= MAX_ENTRIES) this.evictAll();
    const key = `${family}\u0000${channel}\u0000${region}`;
    this.cache.set(key, entry);
    let keys = this.byFamily.get(family);
    if (!keys) this.byFamily.set(family, (keys = new Set()));
    keys.add(key);
    return entry;
  }

  /** Strictly greater after any invalidation that covers the family. */
  private generation(family: string): number {
    return Math.max(this.flushed, this.generations.get(family) ?? 0);
  }

  private invalidate(family: string | null): void {
    this.invalidations.inc();
    const generation = ++this.clock;
    if (family === null) {
      this.flushed = generation;
      // Every family is now at least `flushed`: their own entries say nothing more.
      this.generations.clear();
      this.evictAll();
      return;
    }
    this.generations.set(family, generation);
    for (const key of this.byFamily.get(family) ?? []) this.cache.delete(key);
    this.byFamily.delete(family);
  }

  private evictAll(): void {
    this.cache.clear();
    this.byFamily.clear();
  }
}

function unwrap(entry: CacheEntry): ResolvedAnswer {
  if (!entry.ok) throw entry.error;
  return entry.answer;
}

/** The body as Fastify would serialise the value, and a strong tag that changes with it. */
export function answerOf(value: Resolved): ResolvedAnswer {
  const body = JSON.stringify(value);
  return { value, body, etag: `"${hash('sha256', body, 'base64url').slice(0, 22)}"` };
}
