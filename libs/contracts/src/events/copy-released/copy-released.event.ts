import { z } from 'zod';
import { family, imageId, region, snapshotIds, version } from '../shared.js';

/**
 * A regional copy left its family's distribution (the region was removed from the spec). The
 * copy is not deleted: it is handed to the maintenance scanner's retention rules, which decide
 * when it and its snapshots go.
 */
export const COPY_RELEASED = 'ami.copy.released';
export const copyReleasedSchema = z
  .object({
    family,
    version,
    region,
    imageId,
    snapshotIds,
    specVersion: z.number().int().min(1),
    reason: z.string().min(1),
    jobId: z.uuid().optional(),
    /** The account the copy is in, when it is an owned copy in another account (distribution.accounts); absent: the platform's own. */
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  })
  .strict();
export type CopyReleased = z.infer<typeof copyReleasedSchema>;
