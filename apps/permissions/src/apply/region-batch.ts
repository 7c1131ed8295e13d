import type { Image } from '@aws-sdk/client-ec2';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@ami/config';
import type { PermissionsConfig } from '../config/permissions.config.js';
import type { ClaimedCopy } from '../copies/managed-copy.js';
import { RegionStatusRepository } from '../copies/region-status.repository.js';
import { FamilySharingRepository } from '../sharing/family-sharing.repository.js';
import { platformRules } from '../sharing/platform-rules.js';
import { CopyPass, type PassContext } from './copy-pass.js';
import { Ec2Permissions } from './ec2-permissions.js';
import { PassOutcomes } from './pass-outcomes.js';

/** Runs `fn` over `items` with at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(lanes);
}

/**
 * The copies of one account x region claimed together: one DescribeImages (by id filter) tells
 * which still exist, in which state, with which snapshots; one GetImageBlockPublicAccessState
 * per batch keeps the region's status current; then each copy gets its pass.
 */
@Injectable()
export class RegionBatch {
  constructor(
    @Inject(Ec2Permissions) private readonly ec2: Ec2Permissions,
    @Inject(CopyPass) private readonly pass: CopyPass,
    @Inject(PassOutcomes) readonly outcomes: PassOutcomes,
    @Inject(FamilySharingRepository) private readonly sharing: FamilySharingRepository,
    @Inject(RegionStatusRepository) private readonly regions: RegionStatusRepository,
    @Inject(APP_CONFIG) private readonly config: PermissionsConfig,
  ) {}

  async run(
    group: ClaimedCopy[],
    onFailure: (claim: ClaimedCopy, error: unknown) => Promise<void>,
  ): Promise<void> {
    const { region, account } = group[0]!.copy;
    let images: Map<string, Image>;
    try {
      images = new Map(
        (
          await this.ec2.images(
            region,
            account,
            group.map((c) => c.copy.imageId),
          )
        ).map((i) => [i.ImageId!, i]),
      );
      await this.regions.save(account, region, await this.ec2.blockPublicAccess(region, account));
    } catch (error) {
      await Promise.all(group.map((claim) => onFailure(claim, error)));
      return;
    }
    const contexts = new Map<string, Promise<PassContext | null>>();
    const contextFor = (family: string) => {
      if (!contexts.has(family)) contexts.set(family, this.context(family));
      return contexts.get(family)!;
    };
    await eachLimited(group, this.config.PERMISSIONS_REGION_CONCURRENCY, async (claim) => {
      try {
        const image = images.get(claim.copy.imageId);
        if (!image) return await this.outcomes.gone(claim);
        const ctx = await contextFor(claim.copy.family);
        if (!ctx) return;
        await this.outcomes.completed(claim, await this.pass.run(claim, image, ctx));
      } catch (error) {
        await onFailure(claim, error);
      }
    });
  }

  private async context(family: string): Promise<PassContext | null> {
    const policy = await this.sharing.policy(family);
    if (!policy) return null;
    return {
      policy: policy.sharing,
      overrides: await this.sharing.activeOverrides(family),
      rules: platformRules(this.config),
      leaseMs: this.config.PERMISSIONS_LEASE_MS,
      now: new Date(),
    };
  }
}
