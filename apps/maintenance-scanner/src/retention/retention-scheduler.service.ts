import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@ami/config';
import { nextRun } from '@ami/contracts';
import { FencedLeases, LeaseLostError, WorkerLoop } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { MaintenanceScannerConfig } from '../config/maintenance-scanner.config.js';
import { SCANNER_ACTOR } from '../scans/learn-facts.use-case.js';
import { ScansRepository } from '../scans/scans.repository.js';
import { RetentionExecutor } from './retention-executor.service.js';
import { RetentionPlanner } from './retention-planner.js';
import { RetentionRepository } from './retention.repository.js';

export const SCHEDULE_TABLE = 'maintenance_scanner.retention_schedule';

/**
 * Plans retention for the families that are due: on their maintenance schedule, and at once
 * after a fact that changes what they keep or have (a version built or imported, a copy, a
 * channel move, a spec). Claimed with SKIP LOCKED and a fenced lease, planned together (one
 * inventory per account and region), then scheduled again; a fact that arrived meanwhile
 * makes the family due again at once. A family whose plan is executing waits for it.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:retention-plan:${randomUUID().slice(0, 8)}`;
  readonly leases = new FencedLeases(SCHEDULE_TABLE);
  private loop?: WorkerLoop;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ScansRepository) private readonly scans: ScansRepository,
    @Inject(RetentionRepository) private readonly plans: RetentionRepository,
    @Inject(RetentionPlanner) private readonly planner: RetentionPlanner,
    @Inject(RetentionExecutor) private readonly executor: RetentionExecutor,
    @Inject(APP_CONFIG) private readonly config: MaintenanceScannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.RETENTION_SCHEDULE_ENABLED) return;
    this.loop = new WorkerLoop(
      () => this.tick(),
      this.config.RETENTION_WORKER_INTERVAL_MS,
      (error) =>
        this.logger.warn(
          { err: error },
          'retention planning failed; the families are planned again when their lease lapses',
        ),
    );
    this.loop.start();
  }

  async onApplicationShutdown() {
    await this.loop?.stop();
  }

  async tick(now = new Date()): Promise<number> {
    const claimed = await this.leases.claim(this.db, {
      owner: this.owner,
      limit: this.config.SCAN_BATCH,
      leaseMs: this.config.RETENTION_LEASE_MS,
      where: 'next_plan_at <= now()',
      orderBy: 'next_plan_at',
    });
    if (claimed.length === 0) return 0;
    const due: {
      family: string;
      maintenance: any;
      lease: (typeof claimed)[number]['lease'];
      generation: number;
      next: Date;
    }[] = [];
    for (const { row, lease } of claimed) {
      const family = await this.scans.family(this.db, row.id as string);
      const generation = Number(row.generation);
      if (!family || (await this.plans.executing(this.db, family.family))) {
        // Not known yet (its spec comes later), or executing: look again in a minute.
        await this.reschedule(
          row.id as string,
          lease,
          generation,
          new Date(now.getTime() + 60_000),
        );
        continue;
      }
      const schedule = family.maintenance.schedule;
      const next = nextRun(
        schedule?.cron ?? this.config.MAINTENANCE_DEFAULT_SCHEDULE,
        schedule?.timezone ?? this.config.MAINTENANCE_DEFAULT_TIMEZONE,
        now,
      );
      due.push({ family: family.family, maintenance: family.maintenance, lease, generation, next });
    }
    if (due.length === 0) return 0;
    const plans = await this.planner.plan(due, 'schedule', SCANNER_ACTOR, now);
    for (const d of due) {
      // Stages come due by time alone too: plan again then, if it is before the schedule.
      const wake = plans.find((p) => p.family === d.family)?.wakeAt;
      const next = wake && wake < d.next ? wake : d.next;
      await this.reschedule(d.family, d.lease, d.generation, next);
    }
    if (plans.some((p) => p.state === 'executing')) this.executor.nudge();
    return due.length;
  }

  /** Next time on schedule, unless a fact arrived while planning (then at once). */
  private async reschedule(
    family: string,
    lease: { owner: string; epoch: number },
    generation: number,
    next: Date,
  ) {
    try {
      await this.leases.update(
        this.db,
        family,
        lease,
        {},
        {
          raw: [
            `next_plan_at = CASE WHEN generation = ${Number(generation)} THEN '${next.toISOString()}'::timestamptz ELSE now() END`,
            'last_plan_at = now()',
          ],
        },
      );
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
    }
  }
}
