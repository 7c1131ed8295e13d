import { z } from 'zod';
import { cursorParam, limitParam, listOf, pageOf, timestamp } from '@ami/runtime';
import { familyName, region } from '../api/catalog-params.js';

export const COPY_STATES = [
  'pending',
  'available',
  'failed',
  'deprecated',
  'disabled',
  'deregistered',
] as const;

export const listVersionsQuery = z.object({
  limit: limitParam(),
  cursor: cursorParam,
  region: region.optional(),
  state: z.enum(COPY_STATES).optional(),
});

export const orphansQuery = z.object({ family: familyName.optional() });

export const regionalCopySchema = z.object({
  region: z.string(),
  imageId: z.string().nullable(),
  snapshotIds: z.array(z.string()),
  state: z.enum(COPY_STATES),
  stateReason: z.string().nullable(),
  ownerId: z.string().nullable(),
  ownerType: z.string().nullable(),
  rootDeviceType: z.string().nullable(),
  launchPermissions: z.record(z.string(), z.unknown()).nullable(),
  updatedAt: timestamp,
});

export const versionSchema = z.object({
  family: z.string(),
  version: z.string(),
  origin: z.enum(['build', 'import']),
  buildId: z.string().nullable(),
  specVersion: z.number().int().nullable(),
  recipeDigest: z.string().nullable(),
  source: z.object({
    imageId: z.string().nullable(),
    region: z.string().nullable(),
    description: z.string().nullable(),
  }),
  parent: z.object({ family: z.string(), version: z.string() }).nullable(),
  createdAt: timestamp,
  revoked: z
    .object({ at: timestamp, by: z.string(), reason: z.string() })
    .nullable()
    .meta({ description: 'who revoked the version, when and why; resolve refuses it' }),
  copies: z.array(regionalCopySchema),
  accountCopies: z
    .array(
      z.object({
        account: z.string(),
        region: z.string(),
        imageId: z.string().nullable(),
        snapshotIds: z.array(z.string()),
        state: z.enum(['pending', 'available', 'failed', 'released']),
        stateReason: z.string().nullable(),
        updatedAt: timestamp,
      }),
    )
    .meta({
      description: 'owned copies in other accounts (distribution.accounts); never resolved',
    }),
});

export const versionPage = pageOf(versionSchema);
export const copyList = listOf(regionalCopySchema);
export const orphanList = listOf(
  z.object({ eventId: z.string(), type: z.string(), family: z.string(), receivedAt: timestamp }),
);

export const revokeBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, 'say why the version is revoked')
      .max(500)
      .meta({ description: 'why; shown by resolve and on the audit stream' }),
  })
  .strict();

export const revokeResult = z.object({
  family: z.string(),
  version: z.string(),
  revokedAt: timestamp,
  channels: z.array(z.object({ channel: z.string(), fellBackTo: z.string().nullable() })).meta({
    description:
      'the channels that pointed to the version, and the version each fell back to (null: none was good; resolve refuses the channel)',
  }),
});
