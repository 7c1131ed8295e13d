import { z } from 'zod';
import { family, imageId, region, snapshotIds, version } from '../shared.js';

/**
 * A regional copy of a version is available, with the snapshots that belong to it (so
 * retention can delete them with it). The replicator always names the source
 * (`sourceRegion`, `sourceImageId`) and its job; they are optional for earlier producers.
 */
export const COPY_SUCCEEDED = 'ami.copy.succeeded';
export const copySucceededSchema = z
  .object({
    family,
    version,
    region,
    imageId,
    snapshotIds,
    sourceRegion: region.optional(),
    sourceImageId: imageId.optional(),
    jobId: z.uuid().optional(),
    /** The account the copy is in, when it is an owned copy in another account (distribution.accounts); absent: the platform's own. */
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  })
  .strict();
export type CopySucceeded = z.infer<typeof copySucceededSchema>;
