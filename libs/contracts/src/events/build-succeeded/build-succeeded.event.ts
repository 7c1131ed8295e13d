import { z } from 'zod';
import { family, imageId, region, snapshotIds, timestamp, version } from '../shared.js';

/** A new version of a family exists: its first image, in the build region. */
export const BUILD_SUCCEEDED = 'ami.build.succeeded';
export const buildSucceededSchema = z
  .object({
    buildId: z.uuid(),
    family,
    version,
    specVersion: z.number().int().min(1),
    recipeDigest: z.string().min(1),
    source: z
      .object({
        imageId,
        region,
        description: z.string(),
        parent: z.object({ family, version }).strict().nullable(),
      })
      .strict(),
    image: z.object({ region, imageId, name: z.string().min(1), snapshotIds }).strict(),
    startedAt: timestamp,
    finishedAt: timestamp,
  })
  .strict();
export type BuildSucceeded = z.infer<typeof buildSucceededSchema>;
