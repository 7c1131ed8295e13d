import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@ami/config';
import { nextRun } from '@ami/contracts';
import { backoffMs, LeaseLostError, WorkerLoop, type Claimed } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { MaintenanceScannerConfig } from '../config/maintenance-scanner.config.js';
import {
  decideAsk,
  findCauses,
  findingsOf,
  retryDueAt,
  type AskDecision,
  type ScanInput,
} from './rebuild-rules.js';
import { ScanOutcomes } from './scan-outcomes.js';
import { toScanFamily, type ScanFamily } from './scan.types.js';
import { ScansRepository } from './scans.repository.js';
import { SourceLookups, type LookupRequest } from './source-lookups.js';

/**
 * Scans due families: claims them (SKIP LOCKED, fenced lease), looks their sources up in AWS
 * in one batch per region, applies the rebuild rules, and saves each family's outcome in its
 * own transaction. Families are due on their schedule (maintenance.schedule, or the platform's
 * default), at once after a fact that concerns them, or when asked by API.
 */
@Injectable()
export class ScanWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:scan:${randomUUID().slice(0, 8)}`;
  private loop?: WorkerLoop;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ScansRepository) private readonly scans: ScansRepository,
    @Inject(SourceLookups) private readonly lookups: SourceLookups,
    @Inject(ScanOutcomes) private readonly outcomes: ScanOutcomes,
    @Inject(APP_CONFIG) private readonly config: MaintenanceScannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.SCAN_WORKER_ENABLED) return;
    this.loop = new WorkerLoop(
      () => this.tick(),
      this.config.SCAN_WORKER_INTERVAL_MS,
      (error) =>
        this.logger.warn(
          { err: error },
          'scan loop failed; the families are scanned again when their lease lapses',
        ),
    );
    this.loop.start();
  }

  async onApplicationShutdown() {
    await this.loop?.stop();
  }

  /** Wakes the loop (a scan asked by API). */
  nudge(): void {
    this.loop?.nudge();
  }

  /** Scans the due families; the number scanned. */
  async tick(now = new Date()): Promise<number> {
    const claimed: Claimed<any>[] = await this.scans.claimDue(
      this.owner,
      this.config.SCAN_BATCH,
      this.config.SCAN_LEASE_MS,
    );
    if (claimed.length === 0) return 0;
    const inputs = await Promise.all(
      claimed.map(async ({ row }) => {
        const family = toScanFamily(row);
        const latest = await this.scans.latest(this.db, family.family);
        const parent =
          family.parentFamily && family.parentChannel && family.buildRegion
            ? await this.scans.parentPointer(
                this.db,
                family.parentFamily,
                family.parentChannel,
                family.buildRegion,
              )
            : null;
        const asks = await this.scans.asks(this.db, family.family);
        const revokedAncestors = latest ? await this.scans.revokedAncestors(this.db, latest) : [];
        const promotions = await this.scans.promotionsDue(this.db, family.family);
        return { family, latest, parent, asks, revokedAncestors, promotions };
      }),
    );
    const requests: LookupRequest[] = inputs
      .filter((i) => i.family.buildRegion !== null && i.latest !== null)
      .map((i) => ({
        family: i.family.family,
        source: i.family.source,
        region: i.family.buildRegion!,
        follow:
          i.family.maintenance.rebuildOnSourceChange &&
          (i.family.source.ssmParameter !== undefined || i.family.source.filter !== undefined),
        builtFrom: i.family.source.family ? null : i.latest!.sourceImageId,
      }));
    const found = await this.lookups.lookup(requests, now);
    let scanned = 0;
    await Promise.all(
      inputs.map(async (i, n) => {
        const lookup = found.get(i.family.family);
        const { promotions: _, ...facts } = i;
        const input: ScanInput = {
          ...facts,
          source: lookup?.source ?? { kind: 'not-looked-up' },
          builtFromDeprecated: lookup?.builtFromDeprecated ?? false,
          now,
        };
        const cause = findCauses(input)[0];
        const policy = this.retryPolicy();
        const decided = decideAsk(i.family, cause, i.asks, policy, now);
        const ask = decided ? { ...decided, ...(await this.cascade(decided, input)) } : null;
        const scheduled = this.nextScan(i.family, now);
        const retry = ask ? null : retryDueAt(i.family, cause, i.asks, policy, now);
        try {
          await this.outcomes.save({
            family: i.family,
            lease: claimed[n]!.lease,
            findings: findingsOf(input),
            ask,
            promotions: i.promotions,
            nextScanAt: retry && retry < scheduled ? retry : scheduled,
          });
          scanned += 1;
        } catch (error) {
          if (error instanceof LeaseLostError) return;
          this.logger.error({ err: error, family: i.family.family }, 'scan could not be saved');
        }
      }),
    );
    return scanned;
  }

  /** Where a cascade started, for a rebuild asked because of the parent. */
  private async cascade(ask: AskDecision, input: ScanInput) {
    const revoked = input.revokedAncestors.find((a) => a.generation === 1);
    if (ask.cause === 'parent-revoked' && revoked)
      return {
        origin: {
          family: revoked.family,
          cause: 'revoked',
          causeKey: `revoked:${revoked.family}/${revoked.version}`,
          requestId: null,
        },
      };
    if (ask.cause !== 'parent-moved' || !input.parent) return {};
    const { family, channel, version } = input.parent;
    const found = await this.scans.originOf(this.db, family, version);
    return found
      ? { origin: found.origin, correlationId: found.correlationId }
      : {
          origin: {
            family,
            cause: 'channel-moved',
            causeKey: `${family}/${channel}:${version}`,
            requestId: null,
          },
        };
  }

  private retryPolicy() {
    const { REBUILD_MAX_FAILURES, REBUILD_RETRY_BASE_MS, REBUILD_RETRY_MAX_MS } = this.config;
    return {
      maxFailures: REBUILD_MAX_FAILURES,
      backoffMs: (attempt: number) =>
        backoffMs(attempt, REBUILD_RETRY_BASE_MS, REBUILD_RETRY_MAX_MS, () => 1),
    };
  }

  private nextScan(family: ScanFamily, now: Date): Date {
    const schedule = family.maintenance.schedule;
    return nextRun(
      schedule?.cron ?? this.config.MAINTENANCE_DEFAULT_SCHEDULE,
      schedule?.timezone ?? this.config.MAINTENANCE_DEFAULT_TIMEZONE,
      now,
    );
  }
}
