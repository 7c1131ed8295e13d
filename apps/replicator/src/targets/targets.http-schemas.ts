import { z } from 'zod';
import { FAMILY_NAME } from '@ami/contracts';
import { pageOf, pageQuery, timestamp } from '@ami/runtime';
import { TARGET_STATES } from './target-state.types.js';

const familyParam = z.string().regex(FAMILY_NAME, 'must be a family name');

export const listTargetsQuery = z
  .object({
    ...pageQuery(),
    family: familyParam.optional(),
    channel: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a channel name')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/, 'must be a region')
      .optional(),
    state: z.enum(TARGET_STATES).optional(),
  })
  .strict();

export const reconcileBody = z
  .object({
    family: familyParam.optional().meta({
      description: 'only this family, every written target now; absent: every target due',
    }),
  })
  .strict();

export const targetSchema = z.object({
  id: z.string(),
  family: z.string(),
  channel: z.string(),
  kind: z.enum(['ssm-parameter', 'launch-template']),
  region: z.string(),
  target: z.string().meta({ description: 'the parameter name, or the template as id:… / name:…' }),
  setDefaultVersion: z.boolean(),
  state: z.enum(TARGET_STATES),
  desiredVersion: z.string().meta({ description: 'the version the channel points to' }),
  imageId: z.string().nullable().meta({ description: "that version's image in the region" }),
  writtenVersion: z.string().nullable().meta({ description: 'the version last written' }),
  written: z
    .string()
    .nullable()
    .meta({ description: 'the parameter version, or the launch template version number' }),
  previousImageId: z
    .string()
    .nullable()
    .meta({ description: 'what the target held before the last write' }),
  movement: z.enum(['promote', 'rollback', 'repair', 'spec']),
  attempt: z.number().int(),
  failureCode: z.string().nullable(),
  failureReason: z
    .string()
    .nullable()
    .meta({ description: "AWS's answer, or why the target waits" }),
  drift: z
    .object({ actualImageId: z.string().nullable(), foundAt: z.string() })
    .nullable()
    .meta({ description: 'what the last reconcile found instead of the image written' }),
  writtenAt: timestamp.nullable(),
  checkedAt: timestamp.nullable(),
  nextAttemptAt: timestamp.nullable(),
  updatedAt: timestamp,
});

export const targetsPage = pageOf(targetSchema);

export const reconcileSummary = z.object({
  checked: z.number().int().meta({ description: 'targets read back' }),
  drifted: z.number().int().meta({ description: 'found changed or gone; queued for repair' }),
  unreadable: z.number().int().meta({ description: 'AWS did not answer; checked again next time' }),
  retried: z.number().int().meta({ description: 'failed targets given a new round of attempts' }),
});
