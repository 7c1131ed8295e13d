import { z } from 'zod';
import { family } from '../shared.js';

/** The builder accepted a rebuild request and created a build. */
export const BUILD_STARTED = 'ami.build.started';
export const buildStartedSchema = z
  .object({
    buildId: z.uuid(),
    family,
    specVersion: z.number().int().min(1),
    reason: z.string(),
    requestedBy: z.string(),
  })
  .strict();
export type BuildStarted = z.infer<typeof buildStartedSchema>;
