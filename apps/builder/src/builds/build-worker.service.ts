import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@ami/config';
import { LeaseLostError, WorkerLoop } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { BuilderConfig } from '../config/builder.config.js';
import { BuildJournal } from './build-journal.js';
import { BuildStepRunner } from './build-step-runner.js';
import { BuildsRepository } from './builds.repository.js';
import { ImageWaiter } from './image-waiter.js';

/**
 * The loop that drives builds. Every replica may run it: builds are shared through row locks
 * and leases in PostgreSQL, never through memory, so a crashed worker's builds are picked up
 * by another (or by itself after a restart) where they stopped.
 */
@Injectable()
export class BuildWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private loops: WorkerLoop[] = [];

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildStepRunner) private readonly runner: BuildStepRunner,
    @Inject(BuildJournal) private readonly journal: BuildJournal,
    @Inject(ImageWaiter) private readonly waiter: ImageWaiter,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.BUILD_WORKER_ENABLED) return;
    const onError = (error: unknown) =>
      this.logger.warn({ err: error }, 'build loop iteration failed');
    this.loops = [
      new WorkerLoop(() => this.tick(), this.config.BUILD_WORKER_INTERVAL_MS, onError),
      new WorkerLoop(
        () => this.waiter.poll(this.owner),
        this.config.BUILD_POLL_INTERVAL_MS,
        onError,
      ),
    ];
    for (const loop of this.loops) loop.start();
  }

  async onApplicationShutdown() {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }

  /** Starts queued builds within the global cap, then advances every due build by one step. */
  async tick(): Promise<number> {
    await this.db.transaction(async (tx) => {
      for (const id of await this.builds.startQueued(tx, this.config.BUILD_GLOBAL_CAP)) {
        const build = await this.builds.get(id, tx);
        if (build) await this.journal.step(tx, build, 'resolve-source', 'started', 1);
      }
    });
    const due = await this.builds.claimDue(
      this.owner,
      this.config.BUILD_WORKER_CONCURRENCY,
      this.config.BUILD_LEASE_MS,
      'wait-image',
    );
    await Promise.all(
      due.map((build) =>
        this.runner.advance(build).catch((error) => {
          if (error instanceof LeaseLostError)
            // Another worker took the build over (this one paused past its lease): its result,
            // cleanup and events are dropped; the new holder carries on from the saved step.
            this.logger.warn(
              { buildId: build.id, epoch: build.lease?.epoch },
              'lost the lease on a build; dropped it',
            );
          else
            this.logger.error({ err: error, buildId: build.id }, 'build step could not be saved');
        }),
      ),
    );
    return due.length;
  }
}
