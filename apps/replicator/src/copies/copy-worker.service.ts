import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@ami/config';
import { LeaseLostError, WorkerLoop } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { ReplicatorConfig } from '../config/replicator.config.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { CopyPoller } from './copy-poller.js';
import { CopyStarter } from './copy-starter.js';

/**
 * The loops that drive copies. Every replica may run them: jobs are shared through row locks
 * and fenced leases, and regional slots are counted in PostgreSQL, so the per-region cap holds
 * across replicas and a crashed worker's jobs are picked up where they stopped.
 */
@Injectable()
export class CopyWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private loops: WorkerLoop[] = [];
  /** Jobs this replica is starting now (CopyImage may wait long for its bucket). */
  private starting = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(CopyStarter) private readonly starter: CopyStarter,
    @Inject(CopyPoller) private readonly poller: CopyPoller,
    @Inject(APP_CONFIG) private readonly config: ReplicatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.COPY_WORKER_ENABLED) return;
    const onError = (error: unknown) => this.logger.warn({ err: error }, 'copy loop failed');
    this.loops = [
      new WorkerLoop(() => this.tick(), this.config.COPY_WORKER_INTERVAL_MS, onError),
      new WorkerLoop(
        () => this.poller.poll(this.owner),
        this.config.COPY_POLL_INTERVAL_MS,
        onError,
      ),
    ];
    for (const loop of this.loops) loop.start();
  }

  async onApplicationShutdown() {
    await Promise.all(this.loops.map((loop) => loop.stop()));
    await Promise.all(this.inFlight);
  }

  /**
   * Grants free regional slots to queued jobs, then starts the jobs holding one. Starting is
   * not awaited: a CopyImage waiting for its bucket must not hold up the other regions, so a
   * fan-out starts every region in parallel.
   */
  async tick(): Promise<void> {
    for (const region of await this.jobs.regionsWaiting())
      await this.jobs.grantSlots(region, this.config.COPY_REGION_CAP);
    const room = this.config.COPY_WORKER_CONCURRENCY - this.starting;
    if (room <= 0) return;
    const claimed = await this.jobs.claim(this.owner, 'starting', room, this.config.COPY_LEASE_MS);
    for (const { row: job, lease } of claimed) {
      this.starting++;
      const run: Promise<void> = this.starter
        .start(job, lease)
        .catch((error) => {
          if (error instanceof LeaseLostError) return;
          this.logger.error({ err: error, jobId: job.id }, 'copy job step could not be saved');
        })
        .finally(() => {
          this.starting--;
          this.inFlight.delete(run);
        });
      this.inFlight.add(run);
    }
  }
}
