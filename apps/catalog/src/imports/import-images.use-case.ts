import { Inject, Injectable } from '@nestjs/common';
import type { Image } from '@aws-sdk/client-ec2';
import { DataSource } from 'typeorm';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { CommonConfig } from '@ami/config';
import { VERSION_IMPORTED, versionDay } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { FamiliesRepository } from '../families/families.repository.js';
import { ResolveInvalidation } from '../resolve/resolve-invalidation.js';
import { VersionsRepository } from '../versions/versions.repository.js';
import { classifyOwner, rootDeviceOf, snapshotIdsOf } from './classify-image.js';

export interface ImportImagesCommand {
  family: string;
  region: string;
  imageIds?: string[];
  filter?: { owners: string[]; filters: Array<{ name: string; values: string[] }> };
  actor: string;
}

export interface ImportedImage {
  version: string;
  imageId: string;
  ownerType: string;
  rootDeviceType: string;
}

/**
 * Adopts AMIs built elsewhere (by id, or by a filter with owners) into a family, one version
 * per image, classified by owner type and root device type, so retention and sharing apply to
 * them too. An image already in the catalog is skipped; an id EC2 does not show is named in
 * `notFound` (a new image can take a moment to appear: import it again then).
 */
@Injectable()
export class ImportImages {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
    @Inject(APP_CONFIG) private readonly config: CommonConfig & { AWS_ACCOUNT_ID?: string },
  ) {}

  async execute(
    command: ImportImagesCommand,
  ): Promise<{ imported: ImportedImage[]; skipped: string[]; notFound: string[] }> {
    if (!(await this.families.get(command.family)))
      throw AppError.notFound(`family ${command.family} not found`);
    const images = await this.find(command);
    if (images.length === 0) throw AppError.notFound(`no image matched in ${command.region}`);
    const ownAccount = this.config.AWS_ACCOUNT_ID ?? '123456789012';
    const known = new Set<string>(
      (
        await this.db.query(
          'SELECT image_id FROM catalog.regional_copies WHERE image_id = ANY($1)',
          [images.map((i) => i.ImageId)],
        )
      ).map((r: any) => r.image_id),
    );
    const fresh = images
      .filter((i) => !known.has(i.ImageId!))
      .sort((a, b) => (a.CreationDate ?? '').localeCompare(b.CreationDate ?? ''));
    const imported: ImportedImage[] = [];
    await this.db.transaction(async (tx) => {
      await this.families.lockForUpdate(tx, command.family);
      for (const image of fresh) {
        const version = await this.versions.nextImportVersion(tx, command.family, versionDay());
        const ownerType = classifyOwner(image, ownAccount);
        const rootDeviceType = rootDeviceOf(image);
        const snapshots = snapshotIdsOf(image);
        await this.versions.insertVersion(tx, {
          family: command.family,
          version,
          origin: 'import',
          sourceImageId: image.ImageId,
          sourceRegion: command.region,
          sourceDescription: `imported ${ownerType} image ${image.Name ?? image.ImageId}`,
          createdAt: new Date(),
        });
        await this.versions.upsertCopy(tx, {
          family: command.family,
          version,
          region: command.region,
          imageId: image.ImageId,
          snapshotIds: snapshots,
          state: image.State === 'available' ? 'available' : 'pending',
          ownerId: image.OwnerId,
          ownerType,
          rootDeviceType,
        });
        const event = await this.events.publish(
          tx,
          VERSION_IMPORTED,
          {
            family: command.family,
            version,
            importedBy: command.actor,
            images: [
              {
                region: command.region,
                imageId: image.ImageId!,
                name: image.Name ?? '',
                snapshotIds: snapshots,
                ownerId: image.OwnerId ?? '',
                ownerType,
                rootDeviceType,
                createdAt: image.CreationDate ? new Date(image.CreationDate).toISOString() : null,
              },
            ],
          },
          { key: command.family },
        );
        await this.audit.record(
          tx,
          {
            actor: command.actor,
            action: 'version.imported',
            subject: {
              family: command.family,
              version,
              region: command.region,
              imageId: image.ImageId,
            },
            before: null,
            after: { ownerType, rootDeviceType },
            outcome: 'succeeded',
          },
          event,
        );
        imported.push({ version, imageId: image.ImageId!, ownerType, rootDeviceType });
      }
      await this.invalidation.notify(tx, command.family);
    });
    // An id asked for and not seen: a typo, another account's private image, or one so new
    // that EC2 does not show it yet (eventual consistency). Said, never silently dropped.
    const seen = new Set(images.map((i) => i.ImageId!));
    return {
      imported,
      skipped: images.filter((i) => known.has(i.ImageId!)).map((i) => i.ImageId!),
      notFound: (command.imageIds ?? []).filter((id) => !seen.has(id)),
    };
  }

  private async find(command: ImportImagesCommand): Promise<Image[]> {
    if (command.imageIds?.length)
      return this.ec2.describeImagesByIds(command.region, command.imageIds);
    if (command.filter) {
      return this.ec2.describeAllImages(command.region, {
        Owners: command.filter.owners,
        Filters: command.filter.filters.map((f) => ({ Name: f.name, Values: f.values })),
      });
    }
    throw AppError.invalid('give imageIds or a filter with owners', [
      { path: '(root)', message: 'imageIds or filter is required' },
    ]);
  }
}
