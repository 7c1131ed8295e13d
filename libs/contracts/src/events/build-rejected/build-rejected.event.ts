import { z } from 'zod';
import { family } from '../shared.js';

/** A rebuild request was refused before anything was launched. */
export const BUILD_REJECTED = 'ami.build.rejected';
export const buildRejectedSchema = z
  .object({
    family,
    requestId: z.string().min(1),
    reason: z.string().min(1),
    requestedBy: z.string().min(1),
  })
  .strict();
export type BuildRejected = z.infer<typeof buildRejectedSchema>;
