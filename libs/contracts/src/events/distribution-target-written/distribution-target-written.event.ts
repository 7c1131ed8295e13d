import { z } from 'zod';
import { family, imageId, region, version } from '../shared.js';

/** What a distribution target is: an SSM parameter or a launch template, in one region. */
export const targetKind = z.enum(['ssm-parameter', 'launch-template']);
/**
 * The target's address in its region: the SSM parameter's name, or the launch template as
 * `id:lt-…` or `name:…`.
 */
export const targetRef = z.string().min(1).max(1100);

/** Which target of which channel an event is about (every distribution-target event has them). */
export const targetIdentity = {
  family,
  channel: z.string().min(1),
  version,
  region,
  kind: targetKind,
  target: targetRef,
};

/**
 * A distribution target now holds the AMI id a channel points to: an SSM parameter was
 * written (`written` is its parameter version) or a launch template got a version with the
 * image (`written` is the version number, made the default when the spec asks). Follows a
 * channel move (promote or rollback), or repairs drift found by the reconcile (`repair`).
 */
export const DISTRIBUTION_TARGET_WRITTEN = 'ami.distribution.target-written';
export const distributionTargetWrittenSchema = z
  .object({
    ...targetIdentity,
    imageId,
    /** What the target held before (null: it did not exist, or held no image). */
    previousImageId: z.string().nullable(),
    written: z.string().min(1),
    defaultVersion: z.boolean().optional(),
    movement: z.enum(['promote', 'rollback', 'repair', 'spec']),
  })
  .strict();
export type DistributionTargetWritten = z.infer<typeof distributionTargetWrittenSchema>;
