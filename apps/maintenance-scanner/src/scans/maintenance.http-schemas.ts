import { z } from 'zod';
import { FAMILY_NAME, maintenanceFindingsSchema } from '@ami/contracts';
import { limitParam, timestamp } from '@ami/runtime';

export const familyParam = z.string().regex(FAMILY_NAME, 'must be a family name');

export const scanBody = z
  .object({
    family: familyParam.optional().meta({ description: 'only this family; absent: every family' }),
  })
  .strict();

export const scanQueued = z.object({
  queued: z.number().int().meta({ description: 'families queued for a scan now' }),
});

export const familyReport = z.object({
  family: z.string(),
  specVersion: z.number().int(),
  nextScanAt: timestamp,
  findings: maintenanceFindingsSchema
    .nullable()
    .meta({ description: 'the last scan; null until the family was first scanned' }),
});

export const listFindingsQuery = z
  .object({
    limit: limitParam(500),
    after: familyParam
      .optional()
      .meta({ description: 'families after this name (the page cursor)' }),
  })
  .strict();

export const findingsPage = z.object({
  items: z.array(familyReport),
  nextAfter: z.string().nullable().meta({ description: 'pass as `after` for the next page' }),
});

export const askSchema = z.object({
  requestId: z.string(),
  cause: z.string(),
  idempotencyKey: z.string(),
  attempt: z.number().int(),
  reason: z.string(),
  state: z.string(),
  buildId: z.string().nullable(),
  outcomeReason: z.string().nullable(),
  askedAt: timestamp,
  settledAt: timestamp.nullable(),
  cascadeOrigin: z
    .object({
      family: z.string(),
      cause: z.string(),
      causeKey: z.string(),
      requestId: z.string().nullable(),
    })
    .nullable()
    .meta({ description: 'for a rebuild down a lineage: the cause that started the cascade' }),
});

export const asksList = z.object({ items: z.array(askSchema) });
