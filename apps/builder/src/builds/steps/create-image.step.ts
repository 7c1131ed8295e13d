import { Inject, Injectable } from '@nestjs/common';
import { CreateImageCommand } from '@aws-sdk/client-ec2';
import { DataSource } from 'typeorm';
import { Ec2Error, Ec2Gateway } from '@ami/aws';
import { versionDay } from '@ami/contracts';
import type { Build } from '../build.types.js';
import { BuildsRepository } from '../builds.repository.js';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../../config/builder.config.js';
import { toBlockDeviceMappings } from './block-devices.js';
import { BuildStepHandler, StepResult, buildTags } from './step.types.js';

/**
 * Creates the image from the stopped instance under a deterministic name
 * (ami-factory/<family>/<version>). The version is fixed before the call, so a retried or
 * repeated CreateImage meets InvalidAMIName.Duplicate and adopts the image it already made.
 * Right after CreateImage the by-name lookup may not show the image yet (eventual
 * consistency): the step then waits and looks again within the visibility window, rather
 * than failing and leaving a half-made AMI and its snapshots behind.
 */
@Injectable()
export class CreateImageStep implements BuildStepHandler {
  readonly step = 'create-image' as const;
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async run(build: Build): Promise<StepResult> {
    if (!build.version) {
      // Name first, in its own commit: every later attempt uses the same name.
      const version = await this.db.transaction((tx) =>
        this.builds.nextVersion(tx, build.family, versionDay()),
      );
      return {
        kind: 'wait',
        patch: { version, imageName: `ami-factory/${build.family}/${version}` },
        delayMs: 0,
      };
    }
    const region = build.recipe.region;
    const name = build.imageName!;
    let imageId: string;
    try {
      const out = await this.ec2.send(
        region,
        new CreateImageCommand({
          InstanceId: build.instanceId!,
          Name: name,
          Description: `${build.family} ${build.version}, built by ami-factory from ${build.source?.imageId}`,
          NoReboot: true,
          BlockDeviceMappings: toBlockDeviceMappings(build.recipe.imageBlockDeviceMappings),
          TagSpecifications: [
            {
              ResourceType: 'image',
              Tags: buildTags(build, { 'ami-factory:version': build.version }),
            },
            {
              ResourceType: 'snapshot',
              Tags: buildTags(build, { 'ami-factory:version': build.version }),
            },
          ],
        }),
      );
      imageId = out.ImageId!;
    } catch (error) {
      if (!(error instanceof Ec2Error && error.kind === 'duplicate')) throw error;
      const [existing] = await this.ec2.describeAllImages(region, {
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: [name] }],
      });
      if (!existing?.ImageId) {
        const sinceS = (Date.now() - new Date(build.stepStartedAt).getTime()) / 1000;
        if (sinceS < this.config.BUILD_VISIBILITY_WINDOW_S)
          return { kind: 'wait', delayMs: this.config.BUILD_POLL_INTERVAL_MS };
        throw error;
      }
      imageId = existing.ImageId;
    }
    return { kind: 'next', next: 'wait-image', patch: { imageId }, detail: { imageId, name } };
  }
}
