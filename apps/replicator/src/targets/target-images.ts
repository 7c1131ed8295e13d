import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What a target can hold now: an image, nothing yet (wait), or nothing ever (fail). */
export type ImageLookup =
  | { kind: 'image'; imageId: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'none'; code: string; reason: string };

/**
 * The platform account's image of a version in a region, from what the replicator knows:
 * the version's own images (the build's, or an import's) and its finished copies. A copy on
 * its way, or a version not heard of yet (its build event travels on another topic than the
 * channel move), means wait; a failed or cancelled copy, or a region with neither image nor
 * copy job once the version is planned, means there is none.
 */
@Injectable()
export class TargetImages {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async lookup(family: string, version: string, region: string): Promise<ImageLookup> {
    const [known] = await this.db.query(
      `SELECT images, source_region, source_image_id, planned FROM replicator.versions WHERE family = $1 AND version = $2`,
      [family, version],
    );
    if (!known) return { kind: 'wait', reason: `version ${version} not heard of yet` };
    const own = (known.images ?? {})[region] as string | undefined;
    if (own) return { kind: 'image', imageId: own };
    if (known.source_region === region) return { kind: 'image', imageId: known.source_image_id };
    const [job] = await this.db.query(
      `SELECT state, image_id, failure_reason FROM replicator.copy_jobs
       WHERE family = $1 AND version = $2 AND region = $3`,
      [family, version, region],
    );
    if (!job)
      return known.planned
        ? {
            kind: 'none',
            code: 'NoImageInRegion',
            reason: `version ${version} has no image in ${region} and no copy is planned there (is ${region} in distribution.regions?)`,
          }
        : { kind: 'wait', reason: `version ${version} is not planned yet` };
    if (job.state === 'succeeded') return { kind: 'image', imageId: job.image_id };
    if (job.state === 'failed' || job.state === 'cancelled')
      return {
        kind: 'none',
        code: 'CopyFailed',
        reason: `the copy of ${version} into ${region} ${job.state}: ${job.failure_reason ?? 'no reason recorded'}`,
      };
    return { kind: 'wait', reason: `the copy of ${version} into ${region} is ${job.state}` };
  }
}
