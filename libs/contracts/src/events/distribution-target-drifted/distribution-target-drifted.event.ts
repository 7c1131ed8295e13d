import { z } from 'zod';
import { family, imageId, region, version } from '../shared.js';
import {
  targetKind,
  targetRef,
} from '../distribution-target-written/distribution-target-written.event.js';

/**
 * The reconcile read a target back and it no longer holds what the platform wrote (changed
 * by hand, or deleted): `actualImageId` is what it holds (null: gone). A repair follows
 * (a target-written event with movement `repair`).
 */
export const DISTRIBUTION_TARGET_DRIFTED = 'ami.distribution.target-drifted';
export const distributionTargetDriftedSchema = z
  .object({
    family,
    channel: z.string().min(1),
    version,
    region,
    kind: targetKind,
    target: targetRef,
    expectedImageId: imageId,
    actualImageId: z.string().nullable(),
  })
  .strict();
export type DistributionTargetDrifted = z.infer<typeof distributionTargetDriftedSchema>;
