import { Inject, Injectable } from '@nestjs/common';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { ReplicatorConfig } from '../config/replicator.config.js';

/** Why a destination region cannot take a copy, or null when it can. */
export type RegionProblem = { code: string; reason: string } | null;

/** What DescribeRegions (AllRegions) says of each region: its opt-in status. */
export function regionProblem(
  region: string,
  account: string,
  regions: Map<string, string | undefined>,
): RegionProblem {
  if (!regions.has(region))
    return { code: 'InvalidRegion', reason: `${region} is not an EC2 region` };
  const status = regions.get(region);
  if (status === 'not-opted-in')
    return {
      code: 'OptInRequired',
      reason: `region ${region} is not enabled for account ${account} (opt-in status: ${status})`,
    };
  return null;
}

/**
 * The account's regions and whether each is enabled, from one DescribeRegions call cached for
 * COPY_REGIONS_CACHE_S, so an unknown or disabled destination fails its own job with the
 * reason before any CopyImage, and the other regions go on.
 */
@Injectable()
export class RegionDirectory {
  private cached?: { at: number; regions: Promise<Map<string, string | undefined>> };

  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(APP_CONFIG) private readonly config: ReplicatorConfig,
  ) {}

  async check(region: string): Promise<RegionProblem> {
    return regionProblem(region, this.ec2.defaultAccount, await this.regions());
  }

  private regions(): Promise<Map<string, string | undefined>> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.config.COPY_REGIONS_CACHE_S * 1000) {
      const regions = this.ec2
        .send(this.config.AWS_REGION, new DescribeRegionsCommand({ AllRegions: true }))
        .then(
          (out) =>
            new Map((out.Regions ?? []).map((r) => [r.RegionName ?? '', r.OptInStatus] as const)),
        );
      // a failed lookup is not remembered: the next job asks again
      regions.catch(() => (this.cached = undefined));
      this.cached = { at: now, regions };
    }
    return this.cached.regions;
  }
}
