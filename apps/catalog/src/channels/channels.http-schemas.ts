import { z } from 'zod';
import { listOf, text, timestamp } from '@ami/runtime';
import { versionName } from '../api/catalog-params.js';

export const promoteBody = z
  .object({
    version: versionName,
    force: z.boolean().default(false),
    reason: text({ max: 500 }).optional(),
  })
  .strict();
export const rollbackBody = z.object({ reason: text({ max: 500 }).optional() }).strict();
export const protectionBody = z.object({ protected: z.boolean() }).strict();

export const channelList = listOf(
  z.object({
    family: z.string(),
    name: z.string(),
    version: z.string(),
    protected: z.boolean(),
    updatedAt: timestamp,
  }),
);

export const channelHistory = listOf(
  z.object({
    id: z.string(),
    family: z.string(),
    channel: z.string(),
    version: z.string(),
    previousVersion: z.string().nullable(),
    movement: z.enum(['promote', 'rollback']),
    actor: z.string(),
    forced: z.boolean(),
    reason: z.string().nullable(),
    at: timestamp,
  }),
);

export const moveResult = z.object({
  family: z.string(),
  channel: z.string(),
  version: z.string(),
  previousVersion: z.string().nullable(),
});

export const protectionResult = z.object({
  family: z.string(),
  channel: z.string(),
  protected: z.boolean(),
});
