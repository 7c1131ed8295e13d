import { z } from 'zod';
import {
  permissionDifferenceSchema,
  permissionStateSchema,
} from '../launch-permissions-drift-found/launch-permissions-drift-found.event.js';
import { family, imageId, region, version } from '../shared.js';

/** Drift on a copy was undone: `repaired` lists what was changed back, with before and after. */
export const LAUNCH_PERMISSIONS_DRIFT_REPAIRED = 'ami.launch-permissions.drift-repaired';
export const launchPermissionsDriftRepairedSchema = z
  .object({
    family,
    version,
    region,
    imageId,
    repaired: z.array(permissionDifferenceSchema).min(1),
    before: permissionStateSchema,
    after: permissionStateSchema,
  })
  .strict();
export type LaunchPermissionsDriftRepaired = z.infer<typeof launchPermissionsDriftRepairedSchema>;
