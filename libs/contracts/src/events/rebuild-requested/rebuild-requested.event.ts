import { z } from 'zod';

/** A command from any producer (CI, CVE feed, operator, the scanner): rebuild this family. */
export const REBUILD_REQUESTED = 'ami.rebuild.requested';

export const rebuildRequestedSchema = z
  .object({
    family: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'family must be lowercase letters, digits and dashes'),
    reason: z.string().min(1).max(500),
    requestedBy: z.string().min(1).max(200),
    idempotencyKey: z.string().min(1).max(200).optional(),
    force: z.boolean().optional(),
  })
  .strict();

export type RebuildRequested = z.infer<typeof rebuildRequestedSchema>;
