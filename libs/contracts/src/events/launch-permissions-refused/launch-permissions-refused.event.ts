import { z } from 'zod';
import { principalSchema } from '../launch-permissions-applied/launch-permissions-applied.event.js';
import { family, version } from '../shared.js';

/** A spec or an API call asked to share with someone the platform does not allow (public, off the allow-list). */
export const LAUNCH_PERMISSIONS_REFUSED = 'ami.launch-permissions.refused';
export const launchPermissionsRefusedSchema = z
  .object({
    family,
    version: version.optional(),
    /** Where the request came from: a spec version or an API call. */
    origin: z.enum(['spec', 'api']),
    requestedBy: z.string().min(1),
    principals: z.array(principalSchema).min(1),
    reason: z.string().min(1),
  })
  .strict();
export type LaunchPermissionsRefused = z.infer<typeof launchPermissionsRefusedSchema>;
