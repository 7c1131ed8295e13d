import { z } from 'zod';
import { family, imageId, region, timestamp, version } from '../shared.js';

/** A regional copy was deprecated, disabled, re-enabled or deregistered by the maintenance scanner. */
export const IMAGE_LIFECYCLE_CHANGED = 'ami.image.lifecycle-changed';
export const imageLifecycleChangedSchema = z
  .object({
    family,
    version,
    region,
    imageId,
    state: z.enum(['available', 'deprecated', 'disabled', 'deregistered']),
    reason: z.string().min(1),
    at: timestamp,
  })
  .strict();
export type ImageLifecycleChanged = z.infer<typeof imageLifecycleChangedSchema>;
