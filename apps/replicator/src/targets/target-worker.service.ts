import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Ec2Error } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import { backoffMs, LeaseLostError, WorkerLoop, type Lease } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { ReplicatorConfig } from '../config/replicator.config.js';
import { TargetImages } from './target-images.js';
import { TargetOutcomes } from './target-outcomes.js';
import type { TargetRow } from './target-state.types.js';
import { TargetWriter } from './target-writer.js';
import { TargetsRepository } from './targets.repository.js';
import { TargetReconciler } from './target-reconciler.js';

/**
 * Writes distribution targets one step at a time: claims due targets (SKIP LOCKED, fenced
 * lease), finds the version's image in the target's region (or waits for its copy, in the
 * database), writes it, and saves the outcome. Targets are independent: one failing (a
 * missing template, AccessDenied) backs off alone. Also runs the periodic reconcile.
 */
@Injectable()
export class TargetWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:targets:${randomUUID().slice(0, 8)}`;
  private loops: WorkerLoop[] = [];

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(TargetsRepository) private readonly targets: TargetsRepository,
    @Inject(TargetImages) private readonly images: TargetImages,
    @Inject(TargetWriter) private readonly writer: TargetWriter,
    @Inject(TargetOutcomes) private readonly outcomes: TargetOutcomes,
    @Inject(TargetReconciler) private readonly reconciler: TargetReconciler,
    @Inject(APP_CONFIG) private readonly config: ReplicatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.TARGET_WORKER_ENABLED) return;
    const onError = (error: unknown) => this.logger.warn({ err: error }, 'target loop failed');
    this.loops = [
      new WorkerLoop(() => this.tick(), this.config.TARGET_WORKER_INTERVAL_MS, onError),
      new WorkerLoop(
        () => this.reconciler.reconcile(this.owner).then(() => undefined),
        this.config.TARGET_RECONCILE_INTERVAL_MS,
        onError,
      ),
    ];
    for (const loop of this.loops) loop.start();
  }

  async onApplicationShutdown() {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }

  async tick(): Promise<number> {
    const claimed = await this.targets.claimDue(this.owner, 50, this.config.TARGET_LEASE_MS);
    await Promise.all(
      claimed.map(({ row, lease }) =>
        this.step(row, lease).catch((error) => {
          if (error instanceof LeaseLostError) return;
          this.logger.error({ err: error, targetId: row.id }, 'target step could not be saved');
        }),
      ),
    );
    return claimed.length;
  }

  private async step(row: TargetRow, lease: Lease): Promise<void> {
    const found = await this.images.lookup(row.family, row.desiredVersion, row.region);
    if (found.kind === 'wait') return this.wait(row, lease, found.reason);
    if (found.kind === 'none') return this.fail(row, lease, found.code, found.reason);
    try {
      await this.targets.leases.assertHeld(this.db, row.id, lease);
      const result = await this.writer.write(row, found.imageId);
      await this.outcomes.written(row, lease, found.imageId, result);
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      const code = error instanceof Ec2Error ? error.code : 'WriteFailed';
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        { targetId: row.id, target: row.target, region: row.region, code },
        'target write failed',
      );
      await this.fail(row, lease, code, reason);
    }
  }

  /** The image is not there yet: look again later, up to TARGET_IMAGE_WAIT_S. */
  private async wait(row: TargetRow, lease: Lease, reason: string): Promise<void> {
    const since = row.waitingSince ? new Date(row.waitingSince).getTime() : Date.now();
    if ((Date.now() - since) / 1000 > this.config.TARGET_IMAGE_WAIT_S)
      return this.fail(
        row,
        lease,
        'ImageWaitTimeout',
        `waited ${this.config.TARGET_IMAGE_WAIT_S} s: ${reason}`,
      );
    await this.targets.save(
      this.db,
      row,
      lease,
      { waiting_since: new Date(since), failure_reason: reason },
      { delayMs: this.config.TARGET_IMAGE_POLL_MS },
    );
  }

  private fail(row: TargetRow, lease: Lease, code: string, reason: string): Promise<void> {
    const {
      TARGET_MAX_ATTEMPTS: max,
      TARGET_RETRY_BASE_MS: base,
      TARGET_RETRY_MAX_MS: cap,
    } = this.config;
    const delay = row.attempt >= max ? null : backoffMs(row.attempt, base, cap);
    return this.outcomes.failed(row, lease, { code, reason }, delay);
  }
}
