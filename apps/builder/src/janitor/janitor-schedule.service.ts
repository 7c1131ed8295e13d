import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@ami/config';
import { WorkerLoop } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { BuilderConfig } from '../config/builder.config.js';
import { Janitor } from './janitor.service.js';

/**
 * Runs the janitor every JANITOR_INTERVAL_S in every replica that enables it; a transaction
 * advisory lock lets one replica sweep at a time (the others skip that round), so EC2 sees
 * one sweep's describes per interval, not one per replica.
 */
@Injectable()
export class JanitorSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private loop?: WorkerLoop;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Janitor) private readonly janitor: Janitor,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.JANITOR_ENABLED) return;
    this.loop = new WorkerLoop(
      () => this.sweepIfFirst(),
      this.config.JANITOR_INTERVAL_S * 1000,
      (error) => this.logger.warn({ err: error }, 'janitor sweep failed'),
    );
    this.loop.start();
  }

  async onApplicationShutdown() {
    await this.loop?.stop();
  }

  private sweepIfFirst(): Promise<void> {
    return this.db.transaction(async (tx) => {
      const [{ locked }] = await tx.query(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        ['builder-janitor'],
      );
      if (locked) await this.janitor.sweep({ dryRun: false, actor: 'builder:janitor' });
    });
  }
}
