import { Inject, Injectable } from '@nestjs/common';
import { DeregisterImageCommand, type Image } from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import { backoffMs, LeaseLostError, type Claimed } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { ReplicatorConfig } from '../config/replicator.config.js';
import { shouldReplaceFailedCopy } from './copy-decisions.js';
import type { CopyJob } from './copy-job.types.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { CopyOutcomes } from './copy-outcomes.js';

const FAILED_STATES = new Set(['failed', 'error', 'invalid', 'deregistered']);

/** The snapshots that make up an image, in device order. */
export function snapshotsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? [])
    .map((m) => m.Ebs?.SnapshotId)
    .filter((s): s is string => Boolean(s));
}

/**
 * Waits for copies with persisted polling: each poll claims the due copying jobs and asks
 * DescribeImages once per destination region for all of them (200 ids a call), never once per
 * copy. A copy not visible yet is "not yet", never "gone" (eventual consistency); a copy
 * pending past COPY_TIMEOUT_S fails its job.
 */
@Injectable()
export class CopyPoller {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(CopyOutcomes) private readonly outcomes: CopyOutcomes,
    @Inject(APP_CONFIG) private readonly config: ReplicatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async poll(owner: string): Promise<number> {
    const claimed = await this.jobs.claim(owner, 'copying', 1000, this.config.COPY_LEASE_MS);
    // one DescribeImages per account x region (owned copies in other accounts are polled there)
    const byScope = new Map<string, Claimed<CopyJob>[]>();
    for (const c of claimed) {
      const scope = `${c.row.account ?? ''}|${c.row.region}`;
      byScope.set(scope, [...(byScope.get(scope) ?? []), c]);
    }
    await Promise.all(
      [...byScope.values()].map((jobs) =>
        this.pollRegion(jobs[0]!.row.region, jobs).catch((error) =>
          this.logger.warn(
            { err: error, region: jobs[0]!.row.region, account: jobs[0]!.row.account },
            'polling copies failed; next poll retries',
          ),
        ),
      ),
    );
    return claimed.length;
  }

  private async pollRegion(region: string, claimed: Claimed<CopyJob>[]): Promise<void> {
    const images = new Map(
      (
        await this.ec2.describeImagesByIds(
          region,
          claimed.map((c) => c.row.imageId!),
          { account: claimed[0]!.row.account ?? undefined },
        )
      ).map((image) => [image.ImageId, image]),
    );
    for (const { row: job, lease } of claimed) {
      try {
        await this.observe(job, lease, images.get(job.imageId!));
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
      }
    }
  }

  private async observe(
    job: CopyJob,
    lease: Claimed<CopyJob>['lease'],
    image: Image | undefined,
  ): Promise<void> {
    if (image?.State === 'available')
      return this.outcomes.succeeded({ ...job }, lease, snapshotsOf(image));
    if (image?.State && FAILED_STATES.has(image.State)) return this.copyFailed(job, lease, image);
    const pendingS = (Date.now() - new Date(job.copyStartedAt ?? job.updatedAt).getTime()) / 1000;
    if (pendingS > this.config.COPY_TIMEOUT_S)
      return this.outcomes.failed(job, lease, {
        code: 'Timeout',
        reason: `copy ${job.imageId} not available after ${this.config.COPY_TIMEOUT_S} s (state ${image?.State ?? 'not visible'})`,
      });
    await this.db.transaction((tx) =>
      this.jobs.save(tx, job, lease, {}, { delayMs: this.config.COPY_POLL_INTERVAL_MS }),
    );
  }

  /**
   * EC2 gave up on the copy. The failed image is deregistered (with its snapshots) so it can
   * never be mistaken for the version's copy; then the job is replaced or failed.
   */
  private async copyFailed(
    job: CopyJob,
    lease: Claimed<CopyJob>['lease'],
    image: Image,
  ): Promise<void> {
    const code = image.StateReason?.Code ?? `Image.${image.State}`;
    const reason = `copy ${job.imageId} became ${image.State}: ${code}: ${image.StateReason?.Message ?? 'no reason given'}`;
    await this.jobs.leases.assertHeld(this.db, job.id, lease);
    await this.ec2
      .send(
        job.region,
        new DeregisterImageCommand({ ImageId: job.imageId!, DeleteAssociatedSnapshots: true }),
        { account: job.account ?? undefined },
      )
      .catch((error) =>
        this.logger.warn({ err: error, imageId: job.imageId }, 'could not deregister failed copy'),
      );
    if (
      shouldReplaceFailedCopy(image.StateReason?.Code, job.attempt, this.config.COPY_MAX_ATTEMPTS)
    )
      return this.outcomes.replace(
        job,
        lease,
        { code, reason },
        backoffMs(job.attempt, this.config.COPY_RETRY_BASE_MS, this.config.COPY_RETRY_MAX_MS),
      );
    await this.outcomes.failed(job, lease, { code, reason });
  }
}
