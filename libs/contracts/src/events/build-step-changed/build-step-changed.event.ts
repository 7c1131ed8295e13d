import { z } from 'zod';
import { family, timestamp } from '../shared.js';

export const BUILD_STEPS = [
  'resolve-source',
  'launch-instance',
  'customise',
  'stop-instance',
  'create-image',
  'wait-image',
  'test-launch',
  'terminate-instance',
  'publish',
] as const;
export type BuildStep = (typeof BUILD_STEPS)[number];

/** A build entered or left a step; timestamps let the time per step be shown. */
export const BUILD_STEP_CHANGED = 'ami.build.step-changed';
export const buildStepChangedSchema = z
  .object({
    buildId: z.uuid(),
    family,
    step: z.enum(BUILD_STEPS),
    status: z.enum(['started', 'completed', 'failed']),
    attempt: z.number().int().min(1),
    at: timestamp,
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type BuildStepChanged = z.infer<typeof buildStepChangedSchema>;
