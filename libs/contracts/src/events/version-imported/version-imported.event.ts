import { z } from 'zod';
import {
  family,
  imageId,
  ownerType,
  region,
  rootDeviceType,
  snapshotIds,
  timestamp,
  version,
} from '../shared.js';

/** AMIs built elsewhere were adopted into a family as one version, so retention and sharing apply. */
export const VERSION_IMPORTED = 'ami.version.imported';
export const versionImportedSchema = z
  .object({
    family,
    version,
    importedBy: z.string().min(1),
    images: z
      .array(
        z
          .object({
            region,
            imageId,
            name: z.string(),
            snapshotIds,
            ownerId: z.string(),
            ownerType,
            rootDeviceType,
            createdAt: timestamp.nullable(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type VersionImported = z.infer<typeof versionImportedSchema>;
