import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Ec2Gateway } from '@ami/aws';
import { AuditRecorder } from '@ami/messaging';
import {
  DistributionsRepository,
  type FamilyDistribution,
  type KnownVersion,
} from '../distribution/distributions.repository.js';
import type { CopyJob } from './copy-job.types.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { accountCopiesLacking, regionsLackingCopy } from './plan-copies.js';
import { lockFamily } from '../distribution/family-lock.js';

export interface PlanContext {
  requestedBy: string;
  correlationId: string;
}

/**
 * Turns "this version should be in every region of its family's distribution" into copy jobs:
 * one per region that lacks both an image and a job (a version x region never gets two).
 * A version whose spec the replicator has not heard of yet waits, unplanned, for it.
 */
@Injectable()
export class PlanReplication {
  constructor(
    @Inject(DistributionsRepository) private readonly distributions: DistributionsRepository,
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
  ) {}

  /** Plans a version that just became known (built or imported), if its spec is known. */
  async versionKnown(tx: EntityManager, version: KnownVersion, ctx: PlanContext): Promise<void> {
    await lockFamily(tx, version.family);
    const distribution = await this.distributions.distribution(version.family, tx);
    if (!distribution) return;
    if (version.specVersion !== null && distribution.specVersion < version.specVersion) return;
    await this.plan(tx, version, distribution, ctx);
  }

  /** Plans every version that waited for this (or an earlier) spec version. */
  async distributionChanged(
    tx: EntityManager,
    distribution: FamilyDistribution,
    ctx: PlanContext,
  ): Promise<void> {
    await lockFamily(tx, distribution.family);
    for (const version of await this.distributions.unplanned(
      tx,
      distribution.family,
      distribution.specVersion,
    ))
      await this.plan(tx, version, distribution, {
        ...ctx,
        correlationId: version.correlationId ?? ctx.correlationId,
      });
  }

  /** Queues copies for the regions that lack one; returns the jobs created. */
  async plan(
    tx: EntityManager,
    version: KnownVersion,
    distribution: FamilyDistribution,
    ctx: PlanContext,
  ): Promise<CopyJob[]> {
    const existing = await this.jobs.forVersion(tx, version.family, version.version);
    const regions = regionsLackingCopy(
      distribution.regions,
      version,
      existing.filter((j) => j.account === null).map((j) => j.region),
    );
    const owned = accountCopiesLacking(
      distribution.accounts,
      distribution.regions,
      this.ec2.defaultAccount,
      existing,
    );
    const base = {
      family: version.family,
      version: version.version,
      sourceRegion: version.sourceRegion,
      sourceImageId: version.sourceImageId,
      requestedBy: ctx.requestedBy,
      correlationId: ctx.correlationId,
    };
    const created = await this.jobs.insertMany(tx, [
      ...regions.map((region) => ({
        ...base,
        id: randomUUID(),
        region,
        account: null,
        roleName: null,
        kmsKeyId: distribution.kmsKeys[region] ?? null,
      })),
      // KMS keys are per account: an owned copy keeps the source's encryption state
      ...owned.copies.map((c) => ({ ...base, id: randomUUID(), ...c, kmsKeyId: null })),
    ]);
    for (const account of owned.refused)
      await this.audit.record(
        tx,
        {
          actor: 'replicator',
          action: 'copy.refused',
          subject: { family: version.family, version: version.version },
          before: null,
          after: { account },
          outcome: 'rejected',
          reason: `distribution.accounts names ${account}, the platform's own account: its copies are the regional copies`,
        },
        { id: randomUUID(), correlationid: ctx.correlationId },
      );
    for (const job of created) {
      await this.audit.record(
        tx,
        {
          actor: ctx.requestedBy,
          action: 'copy.queued',
          subject: { family: job.family, version: job.version, region: job.region },
          before: null,
          after: {
            jobId: job.id,
            ...(job.account ? { account: job.account } : {}),
            sourceRegion: job.sourceRegion,
            sourceImageId: job.sourceImageId,
            kmsKeyId: job.kmsKeyId,
            specVersion: distribution.specVersion,
          },
          outcome: 'started',
        },
        { id: job.id, correlationid: ctx.correlationId },
      );
    }
    await this.distributions.markPlanned(tx, version.family, version.version);
    return created;
  }
}
