import { Inject, Injectable } from '@nestjs/common';
import { ModifyImageAttributeCommand, type Image } from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import { Ec2Gateway } from '@ami/aws';
import { LeaseLostError } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../config/builder.config.js';
import type { Build } from './build.types.js';
import { BuildStepRunner } from './build-step-runner.js';
import { BuildsRepository } from './builds.repository.js';

/**
 * Waits for new images to become available with persisted polling: each poll is one
 * DescribeImages per region for all builds waiting there (up to 200 ids a call), however many
 * builds are in flight, never one call per build, and no waiting is held in memory. An image
 * not listed yet is "pending" (the describe filters by id, so an image EC2 does not show yet
 * right after CreateImage is simply absent). Once available, an image whose recipe requires
 * IMDSv2 gets ImdsSupport=v2.0, so instances other teams launch from it require tokens too.
 */
@Injectable()
export class ImageWaiter {
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildStepRunner) private readonly runner: BuildStepRunner,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
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
        try {
          await this.settle(build, images.get(build.imageId!));
        } catch (error) {
          if (error instanceof LeaseLostError)
            this.logger.warn({ buildId: build.id }, 'lost the lease on a build; dropped it');
          // anything else: the lease lapses and a later poll tries this build again
          else this.logger.error({ err: error, buildId: build.id }, 'image wait failed');
        }
      }
    }
  }

  private async settle(build: Build, image: Image | undefined): Promise<void> {
    if (image?.State === 'available') {
      if (build.recipe.imdsv2Required && image.ImdsSupport !== 'v2.0')
        await this.ec2.send(
          build.recipe.region,
          new ModifyImageAttributeCommand({
            ImageId: image.ImageId!,
            ImdsSupport: { Value: 'v2.0' },
          }),
        );
      const snapshotIds = (image.BlockDeviceMappings ?? [])
        .map((m) => m.Ebs?.SnapshotId)
        .filter((s): s is string => Boolean(s));
      await this.runner.apply(build, {
        kind: 'next',
        next: 'test-launch',
        patch: { snapshotIds },
        detail: {
          imageId: build.imageId,
          snapshotIds,
          imdsSupport: build.recipe.imdsv2Required ? 'v2.0' : undefined,
        },
      });
    } else if (['failed', 'error', 'deregistered'].includes(image?.State ?? '')) {
      await this.runner.fail(
        build,
        `image ${build.imageId} became ${image!.State}: ${image!.StateReason?.Message ?? ''}`.trim(),
        false,
      );
    } else if (
      (Date.now() - new Date(build.stepStartedAt).getTime()) / 1000 >
      this.config.BUILD_IMAGE_TIMEOUT_S
    ) {
      await this.runner.fail(
        build,
        `image ${build.imageId} not available after ${this.config.BUILD_IMAGE_TIMEOUT_S} s`,
        false,
      );
    } else {
      await this.runner.apply(build, { kind: 'wait', delayMs: 0 });
    }
  }
}
