import { z } from 'zod';
import { FAMILY_NAME, regionSchema } from '@ami/contracts';
import { pageOf, pageQuery, timestamp } from '@ami/runtime';
import { COPY_STATES } from './copy-job.types.js';

/**
 * The copies API's parameters, bodies and answers. The patterns are those the domain accepts
 * (libs/contracts), so a value no family, version or region could have is a 400 naming it.
 */
export const familyName = z.string().regex(FAMILY_NAME, 'must be a family name');
export const versionName = z
  .string()
  .regex(/^\d{4}\.\d{2}\.\d{2}-i?\d{1,9}$/, 'must look like 2026.11.27-1 (imports 2026.11.27-i1)');
export const copyState = z.enum(COPY_STATES as [string, ...string[]]);
export const copyIdSchema = z.uuid('must be a copy job id (a UUID)');
export const copyIdParam = { schema: copyIdSchema.meta({ description: 'copy job id' }) } as const;

export const listCopiesQuery = z
  .object({
    ...pageQuery(),
    family: familyName.optional(),
    version: versionName.optional(),
    region: regionSchema.optional(),
    state: copyState.optional(),
  })
  .strict();

export const replicationBody = z.object({ family: familyName, version: versionName }).strict();

export const copyJobSchema = z.object({
  id: z.string(),
  family: z.string(),
  version: z.string(),
  sourceRegion: z.string(),
  sourceImageId: z.string(),
  region: z.string(),
  account: z
    .string()
    .nullable()
    .meta({ description: "the account of an owned copy elsewhere; null: the platform's own" }),
  state: copyState,
  generation: z.number().int().meta({ description: 'bumped when a failed copy is replaced' }),
  attempt: z.number().int(),
  kmsKeyId: z.string().nullable(),
  imageId: z.string().nullable(),
  imageName: z.string().nullable(),
  snapshotIds: z.array(z.string()),
  failureCode: z.string().nullable(),
  failureReason: z.string().nullable(),
  requestedBy: z.string(),
  releasedSpecVersion: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'the spec version whose distribution released the copy' }),
  createdAt: timestamp,
  copyStartedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  nextAttemptAt: timestamp
    .nullable()
    .meta({ description: 'when the worker looks at the job next; null once it is finished' }),
});

export const copyJobsPage = pageOf(copyJobSchema);

export const replicationOutcome = z.object({
  family: z.string(),
  version: z.string(),
  queued: z.array(copyJobSchema).meta({ description: 'the jobs this request created' }),
  existing: z.array(copyJobSchema).meta({ description: "the version's jobs that existed already" }),
});
