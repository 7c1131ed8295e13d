import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditRecorder } from '@ami/messaging';
import { CopyOutcomes } from '../copies/copy-outcomes.js';
import { CopyJobsRepository } from '../copies/copy-jobs.repository.js';

/**
 * A region left a family's distribution. Its copies are never deleted here: a copy that
 * exists is marked released (for the maintenance scanner's retention rules) and an event says
 * so; a copy in progress is marked and released when it lands; a job that has not sent
 * CopyImage yet is cancelled.
 */
@Injectable()
export class ReleaseRegions {
  constructor(
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(CopyOutcomes) private readonly outcomes: CopyOutcomes,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  async release(
    tx: EntityManager,
    family: string,
    regions: string[],
    specVersion: number,
  ): Promise<void> {
    if (regions.length === 0) return;
    for (const job of await this.jobs.inRegions(tx, family, regions)) {
      if (job.releasedSpecVersion !== null) continue;
      if (job.state === 'queued') {
        await tx.query(
          `UPDATE replicator.copy_jobs SET state = 'cancelled', failure_reason = $2, released_spec_version = $3,
             released_at = now(), finished_at = now(), updated_at = now() WHERE id = $1 AND state = 'queued'`,
          [
            job.id,
            `region removed from the distribution in spec version ${specVersion}`,
            specVersion,
          ],
        );
        await this.audit.record(
          tx,
          {
            actor: 'replicator',
            action: 'copy.cancelled',
            subject: { family, version: job.version, region: job.region },
            before: { state: 'queued' },
            after: { state: 'cancelled', jobId: job.id, specVersion },
            outcome: 'succeeded',
            reason: 'region removed from the distribution',
          },
          { id: job.id, correlationid: job.correlationId },
        );
        continue;
      }
      await tx.query(
        `UPDATE replicator.copy_jobs SET released_spec_version = $2, released_at = now(), updated_at = now() WHERE id = $1`,
        [job.id, specVersion],
      );
      if (job.state === 'succeeded') await this.outcomes.released(tx, job, specVersion);
    }
  }
}
