import { z } from 'zod';
import { family, imageId, region, version } from '../shared.js';

/**
 * A regional copy of a version failed for good (retries spent, or a failure retrying cannot
 * fix: an unknown or disabled region, an unusable KMS key). `reason` carries AWS's own message;
 * `code` its error or state-reason code. `imageId` is the failed copy, when one was made.
 */
export const COPY_FAILED = 'ami.copy.failed';
export const copyFailedSchema = z
  .object({
    family,
    version,
    region,
    reason: z.string().min(1),
    sourceRegion: region.optional(),
    sourceImageId: imageId.optional(),
    imageId: imageId.nullable().optional(),
    code: z.string().min(1).optional(),
    jobId: z.uuid().optional(),
    /** The account the copy is in, when it is an owned copy in another account (distribution.accounts); absent: the platform's own. */
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  })
  .strict();
export type CopyFailed = z.infer<typeof copyFailedSchema>;
