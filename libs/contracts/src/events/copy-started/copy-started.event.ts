import { z } from 'zod';
import { family, imageId, region, version } from '../shared.js';

/**
 * A version's image is being copied to another region (CopyImage was accepted; the copy is
 * pending there). `jobId`, `encrypted` and `kmsKeyId` are set by the replicator.
 */
export const COPY_STARTED = 'ami.copy.started';
export const copyStartedSchema = z
  .object({
    family,
    version,
    sourceRegion: region,
    sourceImageId: imageId,
    region,
    imageId,
    jobId: z.uuid().optional(),
    /** The account the copy is in, when it is an owned copy in another account (distribution.accounts); absent: the platform's own. */
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    encrypted: z.boolean().optional(),
    kmsKeyId: z.string().min(1).optional(),
  })
  .strict();
export type CopyStarted = z.infer<typeof copyStartedSchema>;
