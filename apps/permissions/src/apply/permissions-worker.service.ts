import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@ami/config';
import { backoffMs, LeaseLostError, WorkerLoop } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { PermissionsConfig } from '../config/permissions.config.js';
import { CopiesRepository } from '../copies/copies.repository.js';
import type { ClaimedCopy } from '../copies/managed-copy.js';
import { OverrideExpiry } from '../overrides/override-expiry.js';
import { RegionBatch } from './region-batch.js';

/**
 * Drives apply and reconcile passes. Every replica may run it: copies are shared through
 * fenced leases in PostgreSQL. Each tick expires manual grants that are due, claims due
 * copies, and runs them grouped per account x region (one DescribeImages per group, the
 * per-copy reads and writes paced by the gateway's buckets).
 */
@Injectable()
export class PermissionsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private loop?: WorkerLoop;

  constructor(
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(RegionBatch) private readonly batch: RegionBatch,
    @Inject(OverrideExpiry) private readonly expiry: OverrideExpiry,
    @Inject(APP_CONFIG) private readonly config: PermissionsConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.PERMISSIONS_WORKER_ENABLED) return;
    this.loop = new WorkerLoop(
      async () => {
        if ((await this.tick()) >= this.config.PERMISSIONS_BATCH_SIZE) this.loop?.nudge();
      },
      this.config.PERMISSIONS_WORKER_INTERVAL_MS,
      (error) => this.logger.warn({ err: error }, 'permissions worker tick failed'),
    );
    this.loop.start();
  }

  async onApplicationShutdown() {
    await this.loop?.stop();
  }

  /** Wakes the worker now (a reconcile request, a new copy). */
  nudge(): void {
    this.loop?.nudge();
  }

  /** One round: expiries, then every due copy; returns how many copies were claimed. */
  async tick(): Promise<number> {
    await this.expiry.expireDue();
    const claimed = await this.copies.claimDue(
      this.owner,
      this.config.PERMISSIONS_BATCH_SIZE,
      this.config.PERMISSIONS_LEASE_MS,
      this.config.RECONCILE_INTERVAL_S,
    );
    const groups = new Map<string, ClaimedCopy[]>();
    for (const claim of claimed) {
      const key = `${claim.copy.account}/${claim.copy.region}`;
      groups.set(key, [...(groups.get(key) ?? []), claim]);
    }
    await Promise.all(
      [...groups.values()].map((group) =>
        this.batch.run(group, (claim, error) => this.onFailure(claim, error)),
      ),
    );
    return claimed.length;
  }

  private async onFailure(claim: ClaimedCopy, error: unknown): Promise<void> {
    if (error instanceof LeaseLostError) {
      this.logger.warn({ copy: claim.copy.id }, 'lease lost mid-pass; another worker has the copy');
      return;
    }
    this.logger.warn({ err: error, copy: claim.copy.id }, 'permissions pass failed; will retry');
    const wait = backoffMs(
      claim.copy.attempts + 1,
      this.config.PERMISSIONS_RETRY_BASE_MS,
      this.config.PERMISSIONS_RETRY_MAX_MS,
    );
    await this.batch.outcomes.failed(claim, error, wait).catch((e: unknown) => {
      if (!(e instanceof LeaseLostError)) throw e;
    });
  }
}
