import { z } from 'zod';
import { family, imageId, region, version } from '../shared.js';

/** A regional copy's launch permissions (and its snapshots') now match the family's sharing. */
export const LAUNCH_PERMISSIONS_APPLIED = 'ami.launch-permissions.applied';
export const launchPermissionsAppliedSchema = z
  .object({
    family,
    version,
    region,
    imageId,
    accounts: z.array(z.string()),
    organizationArns: z.array(z.string()),
    organizationalUnitArns: z.array(z.string()),
    public: z.boolean(),
    driftRepaired: z.boolean(),
  })
  .strict();
export type LaunchPermissionsApplied = z.infer<typeof launchPermissionsAppliedSchema>;
