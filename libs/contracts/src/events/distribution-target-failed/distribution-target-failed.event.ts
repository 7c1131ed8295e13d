import { z } from 'zod';
import { timestamp } from '../shared.js';
import { targetIdentity } from '../distribution-target-written/distribution-target-written.event.js';

/**
 * A distribution target could not be written (AccessDenied, a missing launch template, no
 * image of the version in the region, ...), with AWS's answer. It is tried again at
 * `nextAttemptAt`, or, when that is null, at the next reconcile; the family's other targets
 * carry on.
 */
export const DISTRIBUTION_TARGET_FAILED = 'ami.distribution.target-failed';
export const distributionTargetFailedSchema = z
  .object({
    ...targetIdentity,
    code: z.string().min(1),
    reason: z.string().min(1),
    attempt: z.number().int().min(1),
    nextAttemptAt: timestamp.nullable(),
  })
  .strict();
export type DistributionTargetFailed = z.infer<typeof distributionTargetFailedSchema>;
