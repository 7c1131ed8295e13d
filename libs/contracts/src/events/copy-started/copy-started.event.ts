import { z } from 'zod';
import { family, imageId, region, version } from '../shared.js';

/** A version's image is being copied to another region (the copy is pending there). */
export const COPY_STARTED = 'ami.copy.started';
export const copyStartedSchema = z
  .object({ family, version, sourceRegion: region, sourceImageId: imageId, region, imageId })
  .strict();
export type CopyStarted = z.infer<typeof copyStartedSchema>;
