import { z } from 'zod';
import { imageId } from '../shared.js';
import { targetIdentity } from '../distribution-target-written/distribution-target-written.event.js';

/**
 * The reconcile read a target back and it no longer holds what the platform wrote (changed
 * by hand, or deleted): `actualImageId` is what it holds (null: gone). A repair follows
 * (a target-written event with movement `repair`).
 */
export const DISTRIBUTION_TARGET_DRIFTED = 'ami.distribution.target-drifted';
export const distributionTargetDriftedSchema = z
  .object({
    ...targetIdentity,
    expectedImageId: imageId,
    actualImageId: z.string().nullable(),
  })
  .strict();
export type DistributionTargetDrifted = z.infer<typeof distributionTargetDriftedSchema>;
