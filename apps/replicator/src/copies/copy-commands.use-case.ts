import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditRecorder } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { DistributionsRepository } from '../distribution/distributions.repository.js';
import type { CopyJob } from './copy-job.types.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { PlanReplication } from './plan-replication.use-case.js';

export interface ReplicationOutcome {
  family: string;
  version: string;
  /** Jobs created by this request. */
  queued: CopyJob[];
  /** The version's jobs that existed already (any state). */
  existing: CopyJob[];
}

/** What operators do through the API: request replication of a version, retry a failed copy. */
@Injectable()
export class CopyCommands {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(DistributionsRepository) private readonly distributions: DistributionsRepository,
    @Inject(PlanReplication) private readonly planner: PlanReplication,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  /** Copies a version to every distribution region that lacks a copy (e.g. after a region was added). */
  requestReplication(input: {
    family: string;
    version: string;
    actor: string;
  }): Promise<ReplicationOutcome> {
    return this.db.transaction(async (tx) => {
      const version = await this.distributions.version(input.family, input.version, tx);
      if (!version)
        throw AppError.notFound(
          `version ${input.version} of ${input.family} is unknown to the replicator (not built or imported)`,
        );
      const distribution = await this.distributions.distribution(input.family, tx);
      if (!distribution)
        throw AppError.precondition(
          `family ${input.family} has no distribution yet: apply a spec with distribution.regions`,
        );
      const existing = await this.jobs.forVersion(tx, input.family, input.version);
      const requestId = randomUUID();
      const queued = await this.planner.plan(tx, version, distribution, {
        requestedBy: input.actor,
        correlationId: requestId,
      });
      return { family: input.family, version: input.version, queued, existing };
    });
  }

  /** A failed or cancelled copy job queues again; a failed copy is replaced by a new one. */
  retry(id: string, actor: string): Promise<CopyJob> {
    return this.db.transaction(async (tx) => {
      const job = await this.jobs.get(id, tx);
      if (!job) throw AppError.notFound(`copy job ${id} not found`);
      if (!['failed', 'cancelled'].includes(job.state))
        throw AppError.conflict(
          `copy job ${id} is ${job.state}; only failed or cancelled jobs are retried`,
        );
      const distribution = await this.distributions.distribution(job.family, tx);
      if (!distribution?.regions.includes(job.region))
        throw AppError.conflict(
          `region ${job.region} is not in the distribution of ${job.family}; add it to the spec first`,
        );
      const generation = job.imageId ? job.generation + 1 : job.generation;
      await tx.query(
        `UPDATE replicator.copy_jobs SET state = 'queued', attempt = 1, generation = $2, image_id = NULL,
           image_name = NULL, client_token = NULL, failure_code = NULL, failure_reason = NULL,
           kms_key_id = $3, next_attempt_at = now(), finished_at = NULL, released_spec_version = NULL,
           released_at = NULL, updated_at = now()
         WHERE id = $1`,
        [id, generation, job.account ? null : (distribution.kmsKeys[job.region] ?? null)],
      );
      await this.audit.record(
        tx,
        {
          actor,
          action: 'copy.retry-requested',
          subject: { family: job.family, version: job.version, region: job.region },
          before: { state: job.state, failureReason: job.failureReason },
          after: { state: 'queued', jobId: id, generation },
          outcome: 'started',
        },
        { id, correlationid: job.correlationId },
      );
      return (await this.jobs.get(id, tx))!;
    });
  }
}
