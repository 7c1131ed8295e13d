import { z } from 'zod';
import { family, imageId, region, version } from '../shared.js';

/** One principal an image is (or should be) shared with. */
export const principalSchema = z
  .object({
    kind: z.enum(['account', 'organization', 'organizational-unit', 'public']),
    /** An account id, an organization or OU ARN, or `all` for public. */
    value: z.string().min(1),
  })
  .strict();
export type PrincipalRef = z.infer<typeof principalSchema>;

/** A principal AWS (or the platform's guardrails) would not share with, and why. */
export const principalFailureSchema = z
  .object({ principal: principalSchema, reason: z.string().min(1) })
  .strict();

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
    /** Accounts with createVolumePermission on every snapshot of the copy. */
    snapshotAccounts: z.array(z.string()).optional(),
    /** Principals that could not be applied (the others were). */
    failures: z.array(principalFailureSchema).optional(),
  })
  .strict();
export type LaunchPermissionsApplied = z.infer<typeof launchPermissionsAppliedSchema>;
