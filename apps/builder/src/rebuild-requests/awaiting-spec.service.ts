import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG } from '@ami/config';
import { lockFamily } from '@ami/messaging';
import { ROOT_LOGGER } from '@ami/observability';
import { RequestBuild, unknownFamily } from '../builds/request-build.use-case.js';
import type { BuilderConfig } from '../config/builder.config.js';

interface AwaitingRow {
  event_id: string;
  family: string;
  reason: string;
  requested_by: string;
  idempotency_key: string | null;
  force: boolean;
  correlation_id: string;
}

const SWEEP_EVERY_MS = 2000;
const COLUMNS = 'event_id, family, reason, requested_by, idempotency_key, force, correlation_id';

/**
 * Rebuild requests that arrived before their family's spec (the spec travels on another topic
 * and may be read second) wait in rebuild_requests as `awaiting-spec`: the spec's arrival
 * decides them in its own transaction; a sweep rejects, with event and audit, those still
 * waiting after REBUILD_SPEC_WAIT_S. The wait is a row, never a Kafka handler holding on.
 * Registered in BuildsModule (the spec projection that resumes them lives there).
 */
@Injectable()
export class AwaitingSpecRequests implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RequestBuild) private readonly requestBuild: RequestBuild,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.expire()
        .catch((err) => this.logger.warn({ err }, 'expiring rebuild requests failed'))
        .finally(() => (this.sweeping = undefined));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** The family's spec has just been stored (same transaction): decide what waited for it. */
  async resume(tx: EntityManager, family: string): Promise<void> {
    const rows: AwaitingRow[] = await tx.query(
      `SELECT ${COLUMNS}
         FROM builder.rebuild_requests WHERE family = $1 AND outcome = 'awaiting-spec'
        ORDER BY received_at FOR UPDATE`,
      [family],
    );
    for (const row of rows) {
      const outcome = await this.requestBuild.execute(tx, this.requestOf(row));
      await this.settle(tx, row, outcome.outcome, 'buildId' in outcome ? outcome.buildId : null);
    }
  }

  /** Rejects what waited longer than REBUILD_SPEC_WAIT_S. */
  async expire(): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows: AwaitingRow[] = await tx.query(
        `SELECT ${COLUMNS}
           FROM builder.rebuild_requests
          WHERE outcome = 'awaiting-spec' AND received_at < now() - make_interval(secs => $1)
          ORDER BY received_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [this.config.REBUILD_SPEC_WAIT_S],
      );
      for (const row of rows) {
        await lockFamily(tx, 'builder', row.family);
        const outcome = await this.requestBuild.reject(
          tx,
          this.requestOf(row),
          `${unknownFamily(row.family)} (no spec arrived within ${this.config.REBUILD_SPEC_WAIT_S} s)`,
        );
        await this.settle(tx, row, outcome.outcome, null);
      }
    });
  }

  private requestOf(row: AwaitingRow) {
    return {
      family: row.family,
      reason: row.reason,
      requestedBy: row.requested_by,
      requestId: row.event_id,
      correlationId: row.correlation_id,
      idempotencyKey: row.idempotency_key,
      force: row.force,
    };
  }

  private async settle(
    tx: EntityManager,
    row: AwaitingRow,
    outcome: string,
    buildId: string | null,
  ) {
    await tx.query(
      `UPDATE builder.rebuild_requests SET outcome = $2, build_id = $3 WHERE event_id = $1`,
      [row.event_id, outcome, buildId],
    );
  }
}
