import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BUILD_SUCCEEDED, FAMILY_SPEC_APPLIED, VERSION_IMPORTED } from '@ami/contracts';
import type {
  BuildSucceeded,
  CloudEvent,
  FamilySpecApplied,
  VersionImported,
} from '@ami/contracts';
import { EventContext, OnEvent } from '@ami/messaging';
import { PlanReplication } from '../copies/plan-replication.use-case.js';
import { pickSource, removedRegions } from '../copies/plan-copies.js';
import { DistributionsRepository, NO_TARGETS } from './distributions.repository.js';
import { AimTargets } from '../targets/aim-targets.use-case.js';
import { ReleaseRegions } from './release-regions.js';

/**
 * Kafka adapter: the replicator takes the distribution slice of each spec, and starts
 * replication of every new version (built or imported). Runs inside the inbox transaction.
 */
@Controller()
export class DistributionMessageController {
  constructor(
    @Inject(DistributionsRepository) private readonly distributions: DistributionsRepository,
    @Inject(PlanReplication) private readonly planner: PlanReplication,
    @Inject(ReleaseRegions) private readonly releases: ReleaseRegions,
    @Inject(AimTargets) private readonly targets: AimTargets,
  ) {}

  @OnEvent(FAMILY_SPEC_APPLIED)
  async onSpecApplied(
    @Payload() event: CloudEvent<string, FamilySpecApplied>,
    @Ctx() ctx: EventContext,
  ) {
    const { family, specVersion, spec } = event.data;
    const before = await this.distributions.distribution(family, ctx.tx);
    const after = {
      family,
      specVersion,
      regions: spec.distribution?.regions ?? [],
      kmsKeys: spec.distribution?.kmsKeys ?? {},
      targets: spec.distribution?.targets ?? NO_TARGETS,
      accounts: spec.distribution?.accounts ?? [],
    };
    if (!(await this.distributions.saveDistribution(ctx.tx, after))) return;
    await this.releases.release(
      ctx.tx,
      family,
      removedRegions(before?.regions ?? [], after.regions),
      specVersion,
    );
    await this.planner.distributionChanged(ctx.tx, after, {
      requestedBy: event.data.appliedBy,
      correlationId: event.correlationid,
    });
    await this.targets.specChanged(ctx.tx, after);
  }

  @OnEvent(BUILD_SUCCEEDED)
  async onBuildSucceeded(
    @Payload() event: CloudEvent<string, BuildSucceeded>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    const version = {
      family: d.family,
      version: d.version,
      origin: 'build' as const,
      specVersion: d.specVersion,
      sourceRegion: d.image.region,
      sourceImageId: d.image.imageId,
      images: { [d.image.region]: d.image.imageId },
      correlationId: event.correlationid,
    };
    await this.distributions.saveVersion(ctx.tx, version);
    await this.planner.versionKnown(
      ctx.tx,
      { ...version, planned: false },
      { requestedBy: 'builder', correlationId: version.correlationId },
    );
  }

  @OnEvent(VERSION_IMPORTED)
  async onVersionImported(
    @Payload() event: CloudEvent<string, VersionImported>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    const distribution = await this.distributions.distribution(d.family, ctx.tx);
    const source = pickSource(d.images, distribution?.regions ?? null);
    const version = {
      family: d.family,
      version: d.version,
      origin: 'import' as const,
      specVersion: null,
      sourceRegion: source.region,
      sourceImageId: source.imageId,
      images: Object.fromEntries(d.images.map((i) => [i.region, i.imageId])),
      correlationId: event.correlationid,
    };
    await this.distributions.saveVersion(ctx.tx, version);
    await this.planner.versionKnown(
      ctx.tx,
      { ...version, planned: false },
      { requestedBy: d.importedBy, correlationId: version.correlationId },
    );
  }
}
