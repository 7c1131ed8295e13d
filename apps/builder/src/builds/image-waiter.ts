import { Inject, Injectable } from '@nestjs/common';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../config/builder.config.js';
import type { Build } from './build.types.js';
import { BuildStepRunner } from './build-step-runner.js';
import { BuildsRepository } from './builds.repository.js';

/**
 * Waits for new images to become available with persisted polling: each poll is one
 * DescribeImages per region for all builds waiting there (up to 200 ids a call), however many
 * builds are in flight, never one call per build, and no waiting is held in memory.
 */
@Injectable()
export class ImageWaiter {
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildStepRunner) private readonly runner: BuildStepRunner,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async poll(owner: string): Promise<void> {
    const waiting = await this.builds.waitingForImage(owner, this.config.BUILD_LEASE_MS);
    const byRegion = new Map<string, Build[]>();
    for (const build of waiting)
      byRegion.set(build.recipe.region, [...(byRegion.get(build.recipe.region) ?? []), build]);
    for (const [region, builds] of byRegion) {
      const images = new Map(
        (
          await this.ec2.describeImagesByIds(
            region,
            builds.map((b) => b.imageId!),
          )
        ).map((i) => [i.ImageId, i]),
      );
      for (const build of builds) {
        const image = images.get(build.imageId!);
        if (image?.State === 'available') {
          const snapshotIds = (image.BlockDeviceMappings ?? [])
            .map((m) => m.Ebs?.SnapshotId)
            .filter((s): s is string => Boolean(s));
          await this.runner.apply(build, owner, {
            kind: 'next',
            next: 'test-launch',
            patch: { snapshotIds },
            detail: { imageId: build.imageId, snapshotIds },
          });
        } else if (
          image?.State === 'failed' ||
          image?.State === 'error' ||
          image?.State === 'deregistered'
        ) {
          await this.runner.fail(
            build,
            owner,
            `image ${build.imageId} became ${image.State}: ${image.StateReason?.Message ?? ''}`.trim(),
            false,
          );
        } else if (
          (Date.now() - new Date(build.stepStartedAt).getTime()) / 1000 >
          this.config.BUILD_IMAGE_TIMEOUT_S
        ) {
          await this.runner.fail(
            build,
            owner,
            `image ${build.imageId} not available after ${this.config.BUILD_IMAGE_TIMEOUT_S} s`,
            false,
          );
        } else {
          await this.runner.apply(build, owner, { kind: 'wait', delayMs: 0 });
        }
      }
    }
  }
}
