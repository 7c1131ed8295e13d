import { z } from 'zod';
import { family, imageId, region, snapshotIds, version } from '../shared.js';

/** A regional copy of a version is available. */
export const COPY_SUCCEEDED = 'ami.copy.succeeded';
export const copySucceededSchema = z
  .object({ family, version, region, imageId, snapshotIds })
  .strict();
export type CopySucceeded = z.infer<typeof copySucceededSchema>;
