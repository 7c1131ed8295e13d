import { z } from 'zod';
import { family, version } from '../shared.js';

/**
 * A rebuild the scanner asked for succeeded (its test launch passed) and its copies exist in
 * every region of the family: the spec's maintenance.promoteAfterRebuild asks for this channel
 * to move to it. The catalog promotes it as an operator would (a protected channel, or a
 * version missing from a target region, is refused and audited).
 */
export const MAINTENANCE_PROMOTION_REQUESTED = 'ami.maintenance.promotion-requested';
export const maintenancePromotionRequestedSchema = z
  .object({
    family,
    version,
    channel: z.string().min(1),
    reason: z.string().min(1).max(500),
    /** The rebuild request that built the version. */
    rebuildRequestId: z.string().min(1),
  })
  .strict();
export type MaintenancePromotionRequested = z.infer<typeof maintenancePromotionRequestedSchema>;
