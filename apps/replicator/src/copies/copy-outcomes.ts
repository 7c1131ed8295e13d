import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { COPY_FAILED, COPY_RELEASED, COPY_STARTED, COPY_SUCCEEDED } from '@ami/contracts';
import type { Lease } from '@ami/jobs';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import type { CopyJob } from './copy-job.types.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';

const ACTOR = 'replicator';

/**
 * The state changes of a copy job that others hear of: each is one fenced write, its event on
 * ami.replicator.copies.v1 and its audit event, in one transaction (outbox).
 */
@Injectable()
export class CopyOutcomes {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  private causedBy(job: CopyJob) {
    return { id: job.id, correlationid: job.correlationId };
  }

  private subject(job: CopyJob, imageId?: string | null) {
    return {
      family: job.family,
      version: job.version,
      region: job.region,
      imageId: imageId ?? undefined,
    };
  }

  started(
    job: CopyJob,
    lease: Lease,
    copy: { imageId: string; name: string; clientToken: string },
    pollDelayMs: number,
  ): Promise<void> {
    return this.db.transaction(async (tx) => {
      await this.jobs.save(
        tx,
        job,
        lease,
        {
          state: 'copying',
          image_id: copy.imageId,
          image_name: copy.name,
          client_token: copy.clientToken,
          copy_started_at: new Date(),
        },
        { delayMs: pollDelayMs },
      );
      await this.events.publish(
        tx,
        COPY_STARTED,
        {
          family: job.family,
          version: job.version,
          sourceRegion: job.sourceRegion,
          sourceImageId: job.sourceImageId,
          region: job.region,
          imageId: copy.imageId,
          jobId: job.id,
          ...(job.account ? { account: job.account } : {}),
          encrypted: job.kmsKeyId ? true : undefined,
          kmsKeyId: job.kmsKeyId ?? undefined,
        },
        { key: job.family, causedBy: this.causedBy(job) },
      );
      await this.audit.record(
        tx,
        {
          actor: ACTOR,
          action: 'copy.started',
          subject: this.subject(job, copy.imageId),
          before: { state: job.state },
          after: {
            state: 'copying',
            jobId: job.id,
            ...(job.account ? { account: job.account } : {}),
            name: copy.name,
            sourceImageId: job.sourceImageId,
            sourceRegion: job.sourceRegion,
            kmsKeyId: job.kmsKeyId,
            generation: job.generation,
          },
          outcome: 'started',
        },
        this.causedBy(job),
      );
    });
  }

  succeeded(job: CopyJob, lease: Lease, snapshotIds: string[]): Promise<void> {
    return this.db.transaction(async (tx) => {
      await this.jobs.save(
        tx,
        job,
        lease,
        { state: 'succeeded', snapshot_ids: snapshotIds, failure_code: null, failure_reason: null },
        { finished: true },
      );
      await this.events.publish(
        tx,
        COPY_SUCCEEDED,
        {
          family: job.family,
          version: job.version,
          region: job.region,
          imageId: job.imageId!,
          snapshotIds,
          sourceRegion: job.sourceRegion,
          sourceImageId: job.sourceImageId,
          jobId: job.id,
          ...(job.account ? { account: job.account } : {}),
        },
        { key: job.family, causedBy: this.causedBy(job) },
      );
      await this.audit.record(
        tx,
        {
          actor: ACTOR,
          action: 'copy.succeeded',
          subject: this.subject(job, job.imageId),
          before: { state: job.state },
          after: { state: 'succeeded', jobId: job.id, snapshotIds },
          outcome: 'succeeded',
        },
        this.causedBy(job),
      );
      // The region left the distribution while the copy ran: hand it to retention now. Read
      // under the row lock the save took, not from the claimed row, which may predate it.
      const [row] = await tx.query(
        'SELECT released_spec_version FROM replicator.copy_jobs WHERE id = $1',
        [job.id],
      );
      if (row?.released_spec_version !== null && row?.released_spec_version !== undefined)
        await this.released(tx, { ...job, snapshotIds }, row.released_spec_version);
    });
  }

  /** The job failed for good: the slot is freed and the failure published with AWS's reason. */
  failed(
    job: CopyJob,
    lease: Lease,
    failure: { code: string; reason: string },
    tx?: EntityManager,
  ): Promise<void> {
    const run = async (t: EntityManager) => {
      await this.jobs.save(
        t,
        job,
        lease,
        { state: 'failed', failure_code: failure.code, failure_reason: failure.reason },
        { finished: true },
      );
      await this.events.publish(
        t,
        COPY_FAILED,
        {
          family: job.family,
          version: job.version,
          region: job.region,
          reason: failure.reason,
          code: failure.code,
          sourceRegion: job.sourceRegion,
          sourceImageId: job.sourceImageId,
          imageId: job.imageId,
          jobId: job.id,
          ...(job.account ? { account: job.account } : {}),
        },
        { key: job.family, causedBy: this.causedBy(job) },
      );
      await this.audit.record(
        t,
        {
          actor: ACTOR,
          action: 'copy.failed',
          subject: this.subject(job, job.imageId),
          before: { state: job.state },
          after: { state: 'failed', jobId: job.id, code: failure.code, attempt: job.attempt },
          outcome: 'failed',
          reason: failure.reason,
        },
        this.causedBy(job),
      );
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  /**
   * A copy EC2 reported failed, to be replaced: the job gives back its slot and queues again
   * with a new generation (a new ClientToken and name), after a backoff.
   */
  replace(
    job: CopyJob,
    lease: Lease,
    failure: { code: string; reason: string },
    delayMs: number,
  ): Promise<void> {
    return this.db.transaction(async (tx) => {
      await this.jobs.save(
        tx,
        job,
        lease,
        {
          state: 'queued',
          generation: job.generation + 1,
          attempt: job.attempt + 1,
          image_id: null,
          image_name: null,
          client_token: null,
          failure_code: failure.code,
          failure_reason: failure.reason,
        },
        { delayMs },
      );
      await this.audit.record(
        tx,
        {
          actor: ACTOR,
          action: 'copy.retrying',
          subject: this.subject(job, job.imageId),
          before: { state: job.state, imageId: job.imageId, generation: job.generation },
          after: { state: 'queued', generation: job.generation + 1, attempt: job.attempt + 1 },
          outcome: 'failed',
          reason: failure.reason,
        },
        this.causedBy(job),
      );
    });
  }

  /** Says a copy left the distribution and belongs to the retention rules now. */
  async released(tx: EntityManager, job: CopyJob, specVersion: number): Promise<void> {
    const reason = `region ${job.region} was removed from the distribution of ${job.family} in spec version ${specVersion}; the copy is kept for the retention rules`;
    await this.events.publish(
      tx,
      COPY_RELEASED,
      {
        family: job.family,
        version: job.version,
        region: job.region,
        imageId: job.imageId!,
        snapshotIds: job.snapshotIds,
        specVersion,
        reason,
        jobId: job.id,
        ...(job.account ? { account: job.account } : {}),
      },
      { key: job.family, causedBy: this.causedBy(job) },
    );
    await this.audit.record(
      tx,
      {
        actor: ACTOR,
        action: 'copy.released',
        subject: this.subject(job, job.imageId),
        before: { inDistribution: true },
        after: { inDistribution: false, specVersion, retention: 'maintenance-scanner' },
        outcome: 'succeeded',
        reason,
      },
      this.causedBy(job),
    );
  }
}
