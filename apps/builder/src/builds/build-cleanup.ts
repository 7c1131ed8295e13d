import { Inject, Injectable } from '@nestjs/common';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import { Ec2Error, Ec2Gateway } from '@ami/aws';
import { ROOT_LOGGER } from '@ami/observability';
import type { Build } from './build.types.js';

/**
 * Undoes what a failed or cancelled build created: its build and test instances, and a
 * half-made image with its snapshots. Each piece is tried on its own; what is already gone
 * counts as cleaned. Returns what was cleaned, for the "build failed" event.
 */
@Injectable()
export class BuildCleanup {
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async run(build: Build): Promise<string[]> {
    const region = build.recipe.region;
    const cleaned: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        cleaned.push(what);
      } catch (error) {
        if (error instanceof Ec2Error && error.kind === 'not-found') cleaned.push(what);
        else
          this.logger.error(
            { err: error, buildId: build.id, what },
            'cleanup of a failed build left something behind',
          );
      }
    };
    const instances = [build.instanceId, build.testInstanceId].filter((id): id is string =>
      Boolean(id),
    );
    if (instances.length) {
      await attempt(`instances ${instances.join(',')}`, () =>
        this.ec2.send(region, new TerminateInstancesCommand({ InstanceIds: instances })),
      );
    }
    // CreateImage may have taken effect without its id being saved (a lost answer, a crash):
    // the deterministic name finds it. If EC2 does not show it yet, the janitor will.
    const imageId = build.imageId ?? (await this.imageByName(build));
    if (imageId) {
      const image = (await this.ec2.describeImagesByIds(region, [imageId]).catch(() => []))[0];
      const snapshots = new Set([
        ...build.snapshotIds,
        ...(image?.BlockDeviceMappings ?? [])
          .map((m) => m.Ebs?.SnapshotId)
          .filter((id): id is string => Boolean(id)),
      ]);
      await attempt(`image ${imageId}`, () =>
        this.ec2.send(region, new DeregisterImageCommand({ ImageId: imageId })),
      );
      for (const snapshot of snapshots) {
        await attempt(`snapshot ${snapshot}`, () =>
          this.ec2.send(region, new DeleteSnapshotCommand({ SnapshotId: snapshot })),
        );
      }
    }
    return cleaned;
  }

  private async imageByName(build: Build): Promise<string | undefined> {
    if (!build.imageName) return undefined;
    const found = await this.ec2
      .describeAllImages(build.recipe.region, {
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: [build.imageName] }],
      })
      .catch(() => []);
    return found[0]?.ImageId;
  }
}
