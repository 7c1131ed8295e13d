import { z } from 'zod';
import { BUILD_STEPS, FAMILY_NAME } from '@ami/contracts';
import { cursorParam, limitParam, pageOf, text, timestamp } from '@ami/runtime';

export const BUILD_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'rejected',
  'skipped',
  'cancelled',
] as const;

const familyName = z
  .string()
  .regex(FAMILY_NAME, 'must be 1-63 lowercase letters, digits or dashes')
  .meta({ description: 'image family name', example: 'web-base' });

export const buildIdParam = {
  schema: z.uuid('must be a build id (a UUID)').meta({ description: 'build id' }),
} as const;

export const listBuildsQuery = z.object({
  family: familyName.optional(),
  state: z.enum(BUILD_STATES).optional(),
  limit: limitParam(),
  cursor: cursorParam,
});

export const requestBuildBody = z
  .object({
    family: familyName,
    reason: text({ min: 1, max: 500 }),
    idempotencyKey: text({ min: 1, max: 200 }).optional(),
    force: z.boolean().optional(),
  })
  .strict();

const object = z.record(z.string(), z.unknown());

const buildFields = {
  id: z.string(),
  family: z.string(),
  state: z.enum(BUILD_STATES),
  step: z.enum(BUILD_STEPS),
  stepAttempt: z.number().int(),
  stepStartedAt: timestamp,
  cancelRequested: z.boolean(),
  force: z.boolean(),
  reason: z.string(),
  requestedBy: z.string(),
  requestId: z.string(),
  correlationId: z.string(),
  idempotencyKey: z.string().nullable(),
  retryOf: z.string().nullable(),
  specVersion: z.number().int(),
  recipeDigest: z.string(),
  source: z
    .object({
      imageId: z.string(),
      region: z.string(),
      description: z.string(),
      parent: z.object({ family: z.string(), version: z.string() }).nullable(),
    })
    .nullable(),
  instanceId: z.string().nullable(),
  commandId: z.string().nullable(),
  imageId: z.string().nullable(),
  imageName: z.string().nullable(),
  version: z.string().nullable(),
  snapshotIds: z.array(z.string()),
  testInstanceId: z.string().nullable(),
  testStepIndex: z
    .number()
    .int()
    .meta({ description: "which of the recipe's testSteps runs next on the test instance" }),
  testCommandId: z.string().nullable(),
  failedStep: z.string().nullable(),
  failureReason: z.string().nullable(),
  cleanedUp: z.array(z.string()),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
};

/** A build row as lists and commands answer it: with the recipe and source it was given. */
export const buildSchema = z.object({ ...buildFields, recipe: object, sourceSpec: object });
export const buildPage = pageOf(buildSchema);

/** GET /v1/builds/{id}: the build with the time spent in each step. */
export const buildWithStepsSchema = z.object({
  ...buildFields,
  steps: z.array(
    z.object({
      step: z.string(),
      status: z.string(),
      attempt: z.number().int(),
      startedAt: timestamp.nullable(),
      endedAt: timestamp.nullable(),
      seconds: z.number().nullable(),
    }),
  ),
});

export const buildRequestOutcome = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('build-started'), buildId: z.string() }),
  z.object({ outcome: z.literal('duplicate'), buildId: z.string(), why: z.string() }),
  z.object({ outcome: z.literal('rejected'), reason: z.string() }),
]);
