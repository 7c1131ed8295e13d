import { z } from 'zod';
import { BUILD_STEPS } from '../build-step-changed/build-step-changed.event.js';
import { family } from '../shared.js';

/** A build stopped at a step; what it had created was cleaned up. */
export const BUILD_FAILED = 'ami.build.failed';
export const buildFailedSchema = z
  .object({
    buildId: z.uuid(),
    family,
    step: z.enum(BUILD_STEPS),
    reason: z.string().min(1),
    cancelled: z.boolean(),
    cleanedUp: z.array(z.string()),
  })
  .strict();
export type BuildFailed = z.infer<typeof buildFailedSchema>;
