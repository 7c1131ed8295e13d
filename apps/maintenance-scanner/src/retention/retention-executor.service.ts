import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import { backoffMs, LeaseLostError, WorkerLoop, type Claimed, type Lease } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { MaintenanceScannerConfig } from '../config/maintenance-scanner.config.js';
import { RetentionActions, type ActionResult } from './retention-actions.js';
import { RetentionRepository, type StoredAction } from './retention.repository.js';
import { UsageChecks } from './usage-checks.js';

/** An action waits for the earlier stages of its own image (its snapshot for the deregistration). */
const PHASES = ['deprecate', 'disable', 'deregister', 'delete-snapshot'] as const;
const DESTRUCTIVE = new Set(['disable', 'deregister']);

/**
 * Executes stored retention plans, exactly their actions, one phase at a time: claimed with
 * SKIP LOCKED and a fenced lease, each action's outcome saved as soon as EC2 answers (so a
 * killed run repeats nothing that was done). Just before disabling or deregistering, where the
 * images are used is checked again; a version found in use is skipped whole. A failing copy
 * is retried with backoff while the others go on, and fails for good after
 * RETENTION_MAX_ATTEMPTS.
 */
@Injectable()
export class RetentionExecutor implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:retention:${randomUUID().slice(0, 8)}`;
  private loop?: WorkerLoop;
  private readonly usage: UsageChecks;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RetentionRepository) private readonly plans: RetentionRepository,
    @Inject(RetentionActions) private readonly actions: RetentionActions,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(APP_CONFIG) private readonly config: MaintenanceScannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.usage = new UsageChecks(ec2);
  }

  onApplicationBootstrap() {
    if (!this.config.RETENTION_WORKER_ENABLED) return;
    this.loop = new WorkerLoop(
      () => this.tick(),
      this.config.RETENTION_WORKER_INTERVAL_MS,
      (error) =>
        this.logger.warn(
          { err: error },
          'retention loop failed; plans resume when their lease lapses',
        ),
    );
    this.loop.start();
  }

  async onApplicationShutdown() {
    await this.loop?.stop();
  }

  nudge(): void {
    this.loop?.nudge();
  }

  /** Advances the executing plans that are due; the number advanced. */
  async tick(): Promise<number> {
    const claimed = await this.plans.claimExecuting(this.owner, 5, this.config.RETENTION_LEASE_MS);
    await Promise.all(claimed.map((c) => this.advance(c)));
    return claimed.length;
  }

  private async advance({ row, lease }: Claimed<any>) {
    const planId: string = row.id;
    try {
      for (const [account, role] of await this.plans.roles(this.db, row.family))
        this.ec2.useRole(account, role);
      const all = await this.plans.actions(this.db, planId);
      for (const phase of PHASES) {
        const runnable = all.filter(
          (a) =>
            a.action === phase &&
            a.state === 'pending' &&
            a.nextAttemptAt <= new Date() &&
            ready(a, all),
        );
        if (runnable.length === 0) continue;
        const seen = await this.actions.lookups(runnable);
        // Images already gone (a run killed after EC2 acted) need no usage check: they are done.
        if (DESTRUCTIVE.has(phase))
          await this.skipUsed(
            row.family,
            planId,
            lease,
            runnable.filter((a) => seen.images.has(a.imageId)),
            all,
          );
        const left = runnable.filter((a) => a.state === 'pending');
        for (const action of left)
          await this.settle(
            row.family,
            planId,
            lease,
            action,
            await this.actions.run(action, seen),
          );
        if (phase === 'deregister')
          await this.skipSnapshotsOfKeptImages(row.family, planId, lease, all);
      }
      const state = await this.plans.releasePlan(this.db, planId, lease);
      if (state === 'done')
        this.logger.info({ planId, family: row.family }, 'retention plan executed');
    } catch (error) {
      if (error instanceof LeaseLostError) return;
      this.logger.error(
        { err: error, planId },
        'retention plan could not advance; it is retried when its lease lapses',
      );
    }
  }

  /** Right before a destructive phase: where its images are used now. A used version is skipped whole. */
  private async skipUsed(
    family: string,
    planId: string,
    lease: Lease,
    runnable: StoredAction[],
    all: StoredAction[],
  ) {
    const scopes = new Map<string, StoredAction[]>();
    for (const a of runnable)
      scopes.set(`${a.account}/${a.region}`, [
        ...(scopes.get(`${a.account}/${a.region}`) ?? []),
        a,
      ]);
    const used = new Map<string, string>();
    for (const actions of scopes.values()) {
      const { account, region } = actions[0]!;
      const report = await this.usage.check(
        region,
        actions.map((a) => a.imageId),
        account,
      );
      for (const a of actions) {
        const uses = report.uses.get(a.imageId) ?? [];
        if (uses.length > 0)
          used.set(
            a.version,
            `in use: ${a.imageId} (${region}) by ${uses.map((u) => `${u.kind} ${u.id}`).join(', ')}`,
          );
        else if (report.unknown.length > 0)
          used.set(
            a.version,
            `usage could not be checked in ${region}: ${report.unknown.join('; ')}`,
          );
      }
    }
    for (const [version, reason] of used)
      for (const a of all.filter(
        (x) => x.version === version && x.state === 'pending' && x.action !== 'deprecate',
      ))
        await this.settle(family, planId, lease, a, { state: 'skipped', reason, lifecycle: null });
  }

  /** A snapshot whose image was not deregistered stays. */
  private async skipSnapshotsOfKeptImages(
    family: string,
    planId: string,
    lease: Lease,
    all: StoredAction[],
  ) {
    for (const s of all.filter((a) => a.action === 'delete-snapshot' && a.state === 'pending')) {
      const image = all.find((a) => a.action === 'deregister' && a.imageId === s.imageId);
      if (image && (image.state === 'skipped' || image.state === 'failed'))
        await this.settle(family, planId, lease, s, {
          state: 'skipped',
          reason: `its image ${s.imageId} was not deregistered`,
          lifecycle: null,
        });
    }
  }

  private async settle(
    family: string,
    planId: string,
    lease: Lease,
    action: StoredAction,
    result: ActionResult,
  ) {
    const attempts = action.attempts + (result.state === 'retry' ? 1 : 0);
    const giveUp = result.state === 'retry' && attempts >= this.config.RETENTION_MAX_ATTEMPTS;
    const state = result.state === 'retry' ? (giveUp ? 'failed' : 'pending') : result.state;
    const reason = giveUp ? `${result.reason} (gave up after ${attempts} attempts)` : result.reason;
    const nextAttemptAt =
      state === 'pending'
        ? new Date(
            Date.now() +
              backoffMs(
                attempts,
                this.config.RETENTION_RETRY_BASE_MS,
                this.config.RETENTION_RETRY_MAX_MS,
              ),
          )
        : undefined;
    await this.db.transaction(async (tx) => {
      await this.plans.settleAction(
        tx,
        planId,
        lease,
        action.seq,
        { state, reason, attempts, nextAttemptAt },
        this.config.RETENTION_LEASE_MS,
      );
      if (state !== 'pending')
        await this.actions.record(tx, family, action, state, reason, result.lifecycle);
    });
    action.state = state;
    action.attempts = attempts;
    action.reason = reason;
  }
}

/** Whether the earlier phases of the action's own image (and, for a snapshot, its image) are settled. */
function ready(action: StoredAction, all: StoredAction[]): boolean {
  const before = PHASES.indexOf(action.action);
  return !all.some(
    (a) =>
      a.imageId === action.imageId &&
      a.region === action.region &&
      a.state === 'pending' &&
      PHASES.indexOf(a.action) < before,
  );
}
