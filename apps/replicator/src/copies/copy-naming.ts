import { createHash } from 'node:crypto';

/** Tags the platform puts on every image and snapshot it makes (lineage). */
export const FAMILY_TAG = 'ami-factory:family';
export const VERSION_TAG = 'ami-factory:version';
export const SOURCE_IMAGE_TAG = 'ami-factory:source-image-id';
export const SOURCE_REGION_TAG = 'ami-factory:source-region';
export const COPY_JOB_TAG = 'ami-factory:copy-job-id';

export interface CopyIdentity {
  family: string;
  version: string;
  region: string;
  generation: number;
  /** Another account, for an owned copy there; null or absent: the platform's own. */
  account?: string | null;
}

/**
 * The CopyImage ClientToken: derived from the version, the destination region and the
 * generation (and the account, for an owned copy elsewhere), so a retried or repeated call (a crash after CopyImage, a lost answer) gets the
 * same copy back, and a replacement for a failed copy gets a new one. EC2 allows 64 ASCII chars.
 */
export function copyClientToken(copy: CopyIdentity): string {
  const digest = createHash('sha256')
    .update(
      `${copy.family}\n${copy.version}\n${copy.region}\n${copy.generation}${copy.account ? `\n${copy.account}` : ''}`,
    )
    .digest('hex');
  return `amif-copy-${digest.slice(0, 48)}`;
}

/**
 * The copy's name: the version's own name (names are unique per account and region, so a
 * second CopyImage with it meets InvalidAMIName.Duplicate), with a suffix for a replacement.
 */
export function copyImageName(copy: CopyIdentity): string {
  const base = `ami-factory/${copy.family}/${copy.version}`;
  return copy.generation > 1 ? `${base}/copy-${copy.generation}` : base;
}

export function copyTags(job: {
  id: string;
  family: string;
  version: string;
  sourceImageId: string;
  sourceRegion: string;
}): Array<{ Key: string; Value: string }> {
  return [
    { Key: FAMILY_TAG, Value: job.family },
    { Key: VERSION_TAG, Value: job.version },
    { Key: SOURCE_IMAGE_TAG, Value: job.sourceImageId },
    { Key: SOURCE_REGION_TAG, Value: job.sourceRegion },
    { Key: COPY_JOB_TAG, Value: job.id },
  ];
}
