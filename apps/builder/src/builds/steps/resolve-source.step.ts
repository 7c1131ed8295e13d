import { Inject, Injectable } from '@nestjs/common';
import type { Image } from '@aws-sdk/client-ec2';
import { Ec2Error, Ec2Gateway } from '@ami/aws';
import { describeSource } from '@ami/contracts';
import { FamilyRecipesRepository } from '../../recipes/family-recipes.repository.js';
import type { Build, ResolvedSource } from '../build.types.js';
import { BuildsRepository } from '../builds.repository.js';
import type { BuildStepHandler, StepResult } from './step.types.js';

/**
 * Finds the exact image to start from (an AMI id, the newest image matching a filter from the
 * named owners, an SSM parameter, or the parent family's channel), and refuses one that does
 * not exist, is not available, or is instance-store backed (CreateImage needs EBS). A build
 * whose source and recipe are what the last successful build used is skipped unless forced.
 */
@Injectable()
export class ResolveSourceStep implements BuildStepHandler {
  readonly step = 'resolve-source' as const;

  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(FamilyRecipesRepository) private readonly recipes: FamilyRecipesRepository,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
  ) {}

  async run(build: Build): Promise<StepResult> {
    const region = build.recipe.region;
    let found: Awaited<ReturnType<ResolveSourceStep['find']>>;
    try {
      found = await this.find(build, region);
    } catch (error) {
      if (error instanceof Ec2Error && error.kind === 'not-found')
        return { kind: 'rejected', reason: `source does not resolve: ${error.message}` };
      throw error;
    }
    if ('rejected' in found) return { kind: 'rejected', reason: found.rejected };
    const { image, parent } = found;
    const problem = unusable(image);
    if (problem) return { kind: 'rejected', reason: `source image ${image.ImageId} ${problem}` };
    const source: ResolvedSource = {
      imageId: image.ImageId!,
      region,
      description: describeSource(build.sourceSpec),
      parent,
    };
    if (!build.force) {
      const last = await this.builds.lastSucceeded(build.family);
      if (last?.source?.imageId === source.imageId && last.recipeDigest === build.recipeDigest) {
        return {
          kind: 'skipped',
          reason: `nothing changed: source ${source.imageId} and this recipe were built as version ${last.version}`,
        };
      }
    }
    return {
      kind: 'next',
      next: 'launch-instance',
      patch: { source },
      detail: { sourceImageId: source.imageId },
    };
  }

  private async find(
    build: Build,
    region: string,
  ): Promise<{ image: Image; parent: ResolvedSource['parent'] } | { rejected: string }> {
    const spec = build.sourceSpec;
    if (spec.family) {
      const pointer = await this.recipes.channelImage(
        spec.family.name,
        spec.family.channel,
        region,
      );
      if (!pointer)
        return {
          rejected: `parent family ${spec.family.name} has no ${spec.family.channel} channel yet`,
        };
      if (!pointer.imageId)
        return {
          rejected: `parent family ${spec.family.name} version ${pointer.version} has no image in ${region} yet`,
        };
      const image = await this.byId(region, pointer.imageId);
      return image
        ? { image, parent: { family: spec.family.name, version: pointer.version } }
        : { rejected: `parent image ${pointer.imageId} not found in ${region}` };
    }
    if (spec.filter) {
      const images = await this.ec2.describeAllImages(region, {
        Owners: spec.filter.owners,
        Filters: spec.filter.filters.map((f) => ({ Name: f.name, Values: f.values })),
      });
      // Newest first; ties (same CreationDate) broken by image id so the choice is stable.
      const newest = images.sort(
        (a, b) =>
          (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') ||
          (b.ImageId ?? '').localeCompare(a.ImageId ?? ''),
      )[0];
      return newest
        ? { image: newest, parent: null }
        : {
            rejected: `no image owned by ${spec.filter.owners.join(',')} matches the filter in ${region}`,
          };
    }
    const id = spec.ssmParameter
      ? await this.ec2.getParameter(region, spec.ssmParameter)
      : spec.amiId!;
    const image = await this.byId(region, id);
    return image
      ? { image, parent: null }
      : { rejected: `source image ${id} not found in ${region}` };
  }

  private async byId(region: string, id: string): Promise<Image | undefined> {
    return (await this.ec2.describeImagesByIds(region, [id]))[0];
  }
}

function unusable(image: Image): string | null {
  if (image.State === 'deregistered') return 'is deregistered';
  if (image.State === 'disabled') return 'is disabled';
  if (image.State !== 'available') return `is ${image.State ?? 'not available'}`;
  if (image.RootDeviceType === 'instance-store')
    return 'is instance-store backed; CreateImage needs an EBS-backed instance';
  return null;
}
