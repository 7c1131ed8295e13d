import { Inject, Injectable } from '@nestjs/common';
import {
  CopyImageCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import { backoffMs, LeaseLostError, type Lease } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { ReplicatorConfig } from '../config/replicator.config.js';
import { decideOnCopyError } from './copy-decisions.js';
import type { CopyJob } from './copy-job.types.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { copyClientToken, copyImageName, copyTags } from './copy-naming.js';
import { CopyOutcomes } from './copy-outcomes.js';
import { RegionDirectory } from './region-directory.js';
import { snapshotsOf } from './copy-poller.js';

/**
 * Sends one job's CopyImage, in the destination region, and saves the copy's id. Safe to run
 * again at any point: the ClientToken (version x region x generation) returns the same copy to
 * a repeated call, and the deterministic name turns a copy made without our knowing into
 * InvalidAMIName.Duplicate, which adopts it. The lease is renewed while the call waits for
 * its CopyImage bucket.
 */
@Injectable()
export class CopyStarter {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(CopyOutcomes) private readonly outcomes: CopyOutcomes,
    @Inject(RegionDirectory) private readonly regions: RegionDirectory,
    @Inject(APP_CONFIG) private readonly config: ReplicatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async start(job: CopyJob, lease: Lease): Promise<void> {
    const problem = await this.regions.check(job.region);
    if (problem) return this.outcomes.failed(job, lease, problem);
    const identity = { ...job, generation: job.generation };
    const clientToken = copyClientToken(identity);
    const name = copyImageName(identity);
    let imageId: string;
    try {
      imageId = await this.whileHeld(job, lease, () => this.copy(job, name, clientToken));
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      const decision = decideOnCopyError(error);
      if (decision.kind === 'adopt') {
        const existing = await this.findByName(job, name);
        if (!existing) throw error;
        imageId = existing;
      } else {
        return this.onError(job, lease, decision);
      }
    }
    await this.outcomes.started(
      job,
      lease,
      { imageId, name, clientToken },
      this.config.COPY_POLL_INTERVAL_MS,
    );
  }

  /**
   * An owned copy in another account needs the source shared with that account first: launch
   * permission on the image and create-volume permission on its snapshots (both idempotent).
   */
  private async shareSource(job: CopyJob): Promise<void> {
    const account = job.account!;
    this.ec2.useRole(account, job.roleName ?? 'ami-factory-distribution');
    await this.ec2.send(
      job.sourceRegion,
      new ModifyImageAttributeCommand({
        ImageId: job.sourceImageId,
        LaunchPermission: { Add: [{ UserId: account }] },
      }),
    );
    const [source] = await this.ec2.describeImagesByIds(job.sourceRegion, [job.sourceImageId]);
    for (const snapshot of source ? snapshotsOf(source) : [])
      await this.ec2.send(
        job.sourceRegion,
        new ModifySnapshotAttributeCommand({
          SnapshotId: snapshot,
          Attribute: 'createVolumePermission',
          OperationType: 'add',
          UserIds: [account],
        }),
      );
  }

  private async copy(job: CopyJob, name: string, clientToken: string): Promise<string> {
    if (job.account) await this.shareSource(job);
    const tags = copyTags(job);
    const out = await this.ec2.send(
      job.region,
      new CopyImageCommand({
        SourceImageId: job.sourceImageId,
        SourceRegion: job.sourceRegion,
        Name: name,
        Description: `${job.family} ${job.version}, copied by ami-factory from ${job.sourceImageId} (${job.sourceRegion})`,
        ClientToken: clientToken,
        // With a key for this region the copy is encrypted with it; otherwise EC2 keeps the
        // source's encryption state (Encrypted unset).
        ...(job.kmsKeyId ? { Encrypted: true, KmsKeyId: job.kmsKeyId } : {}),
        CopyImageTags: true,
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
      }),
      { account: job.account ?? undefined },
    );
    if (!out.ImageId) throw new Error(`CopyImage into ${job.region} answered without an ImageId`);
    return out.ImageId;
  }

  private async findByName(job: CopyJob, name: string): Promise<string | undefined> {
    const [image] = await this.ec2.describeAllImages(
      job.region,
      { Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] },
      { account: job.account ?? undefined },
    );
    return image?.ImageId;
  }

  private async onError(
    job: CopyJob,
    lease: Lease,
    decision: Exclude<ReturnType<typeof decideOnCopyError>, { kind: 'adopt' }>,
  ): Promise<void> {
    const { COPY_RETRY_BASE_MS: base, COPY_RETRY_MAX_MS: max } = this.config;
    if (decision.kind === 'throttled') {
      // Keep the slot and the attempt: only the pace changes.
      await this.db.transaction((tx) =>
        this.jobs.save(tx, job, lease, {}, { delayMs: backoffMs(1, base, max) }),
      );
      return;
    }
    if (decision.kind === 'retry' && job.attempt < this.config.COPY_MAX_ATTEMPTS) {
      this.logger.warn(
        { jobId: job.id, region: job.region, attempt: job.attempt, code: decision.code },
        'CopyImage failed; retrying',
      );
      await this.db.transaction((tx) =>
        this.jobs.save(
          tx,
          job,
          lease,
          {
            attempt: job.attempt + 1,
            failure_code: decision.code,
            failure_reason: decision.reason,
          },
          { delayMs: backoffMs(job.attempt, base, max) },
        ),
      );
      return;
    }
    await this.outcomes.failed(job, lease, { code: decision.code, reason: decision.reason });
  }

  /** Runs `fn` while renewing the job's lease, so a long wait for a token never loses it. */
  private async whileHeld<T>(job: CopyJob, lease: Lease, fn: () => Promise<T>): Promise<T> {
    const every = Math.max(500, Math.floor(this.config.COPY_LEASE_MS / 3));
    const timer = setInterval(() => {
      this.jobs.leases
        .renew(this.db, job.id, lease, this.config.COPY_LEASE_MS)
        .catch((error) => this.logger.warn({ err: error, jobId: job.id }, 'lease renewal failed'));
    }, every);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }
}
