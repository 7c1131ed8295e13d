import { z } from 'zod';
import { familyStorageSchema } from '@ami/contracts';
import { timestamp } from '@ami/runtime';

export const versionParam = z.string().regex(/^[0-9A-Za-z._-]{1,64}$/, 'must be a version');
export const planIdParam = z.uuid('must be a plan id (a UUID)');

const actionSchema = z.object({
  seq: z.number().int(),
  version: z.string(),
  account: z.string(),
  region: z.string(),
  imageId: z.string(),
  action: z.enum(['deprecate', 'disable', 'deregister', 'delete-snapshot']),
  snapshotId: z.string().nullable(),
  bytes: z.number().int().meta({ description: 'for delete-snapshot: the bytes it recovers' }),
  deprecateAt: timestamp.nullable(),
  state: z.enum(['pending', 'done', 'skipped', 'failed']),
  attempts: z.number().int(),
  reason: z
    .string()
    .nullable()
    .meta({ description: 'why it was skipped or failed, or what it did' }),
  doneAt: timestamp.nullable(),
});

const keptSchema = z.object({
  version: z.string(),
  reasons: z.array(z.string()),
  usedBy: z
    .array(
      z.object({
        imageId: z.string(),
        region: z.string(),
        account: z.string(),
        uses: z.array(z.object({ kind: z.string(), id: z.string() })),
      }),
    )
    .optional()
    .meta({ description: 'where the version is used, when that is why it is kept' }),
});

export const planSchema = z.object({
  planId: z.uuid(),
  family: z.string(),
  trigger: z.enum(['schedule', 'api']),
  requestedBy: z.string(),
  state: z.enum(['planned', 'executing', 'done', 'superseded']).meta({
    description:
      'planned: a dry run, executable once; executing; done; superseded: a newer plan replaced it',
  }),
  mode: z.enum(['enforce', 'report-only']),
  policy: z.record(z.string(), z.unknown()),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  summary: z.object({
    deprecate: z.number().int(),
    disable: z.number().int(),
    deregister: z.number().int(),
    deleteSnapshot: z.number().int(),
    bytesRecovered: z.number().int(),
    pending: z.number().int(),
    done: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
  }),
  actions: z.array(actionSchema),
  kept: z.array(keptSchema),
  sharedSnapshots: z
    .array(z.object({ snapshotId: z.string(), region: z.string(), usedBy: z.array(z.string()) }))
    .meta({ description: 'snapshots of retired images that stay because another image uses them' }),
  storage: z.array(familyStorageSchema),
  unknownUsage: z
    .array(z.string())
    .meta({ description: 'usage checks that failed; the images concerned were kept' }),
});

export const restoreBody = z
  .object({ reason: z.string().min(1).max(500).meta({ description: 'why it is brought back' }) })
  .strict();

export const restoreResult = z.object({
  family: z.string(),
  version: z.string(),
  held: z
    .boolean()
    .meta({ description: 'retention leaves the version alone until the hold is released' }),
  copies: z.array(
    z.object({
      account: z.string(),
      region: z.string(),
      imageId: z.string(),
      state: z.enum(['available', 'gone', 'failed']),
      reason: z.string().nullable(),
    }),
  ),
});

export const storageResult = z.object({
  family: z.string(),
  planId: z.uuid(),
  measuredAt: timestamp,
  storage: z.array(familyStorageSchema),
});
