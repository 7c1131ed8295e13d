import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditRecorder } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import type { Build } from './build.types.js';
import { BuildsRepository } from './builds.repository.js';
import { BuildRequestOutcome, RequestBuild } from './request-build.use-case.js';

/** What operators do to builds through the API: request, cancel, retry. */
@Injectable()
export class BuildCommands {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(RequestBuild) private readonly requestBuild: RequestBuild,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  request(input: {
    family: string;
    reason: string;
    actor: string;
    idempotencyKey?: string;
    force?: boolean;
    retryOf?: string;
  }): Promise<BuildRequestOutcome> {
    const requestId = randomUUID();
    return this.db.transaction((tx) =>
      this.requestBuild.execute(tx, {
        family: input.family,
        reason: input.reason,
        requestedBy: input.actor,
        requestId,
        correlationId: requestId,
        idempotencyKey: input.idempotencyKey,
        force: input.force,
        retryOf: input.retryOf,
      }),
    );
  }

  async cancel(id: string, actor: string): Promise<Build> {
    return this.db.transaction(async (tx) => {
      const current = await this.builds.get(id, tx);
      if (!current) throw AppError.notFound(`build ${id} not found`);
      const build = await this.builds.requestCancel(tx, id);
      if (!build)
        throw AppError.conflict(
          `build ${id} is ${current.state}; only queued or running builds can be cancelled`,
        );
      if (build.state === 'queued') {
        // Nothing launched yet: cancelled at once.
        await tx.query(
          `UPDATE builder.builds SET state = 'cancelled', finished_at = now(), failure_reason = 'cancelled before it started' WHERE id = $1`,
          [id],
        );
      }
      await this.audit.record(tx, {
        actor,
        action: 'build.cancel-requested',
        subject: { family: build.family },
        before: { state: build.state, step: build.step },
        after: { buildId: id, cancelRequested: true },
        outcome: 'succeeded',
      });
      return (await this.builds.get(id, tx))!;
    });
  }

  async retry(id: string, actor: string): Promise<BuildRequestOutcome> {
    const build = await this.builds.get(id);
    if (!build) throw AppError.notFound(`build ${id} not found`);
    if (!['failed', 'cancelled', 'rejected'].includes(build.state))
      throw AppError.conflict(
        `build ${id} is ${build.state}; only failed, cancelled or rejected builds are retried`,
      );
    return this.request({
      family: build.family,
      reason: `retry of ${id}: ${build.reason}`,
      actor,
      force: true,
      retryOf: id,
    });
  }
}
