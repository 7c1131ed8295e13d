import { z } from 'zod';
import { principalSchema } from '../launch-permissions-applied/launch-permissions-applied.event.js';
import { family, imageId, region, version } from '../shared.js';

/** One way a copy's actual permissions differ from what the platform applied. */
export const permissionDifferenceSchema = z
  .object({
    /** The image's launchPermission, or one snapshot's createVolumePermission. */
    resource: z.enum(['image', 'snapshot']),
    resourceId: z.string().min(1),
    principal: principalSchema,
    /** missing: desired but absent; unexpected: present but not desired. */
    change: z.enum(['missing', 'unexpected']),
  })
  .strict();
export type PermissionDifference = z.infer<typeof permissionDifferenceSchema>;

/** The shareable state of a copy: launch permissions and snapshot permissions. */
export const permissionStateSchema = z
  .object({
    launch: z.array(principalSchema),
    snapshots: z.record(z.string(), z.array(principalSchema)),
  })
  .strict();

/** A reconcile found a copy's permissions changed outside the platform. */
export const LAUNCH_PERMISSIONS_DRIFT_FOUND = 'ami.launch-permissions.drift-found';
export const launchPermissionsDriftFoundSchema = z
  .object({
    family,
    version,
    region,
    imageId,
    mode: z.enum(['repair', 'report-only']),
    differences: z.array(permissionDifferenceSchema).min(1),
    actual: permissionStateSchema,
  })
  .strict();
export type LaunchPermissionsDriftFound = z.infer<typeof launchPermissionsDriftFoundSchema>;
