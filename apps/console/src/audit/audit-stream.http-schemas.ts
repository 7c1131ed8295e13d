import { z } from 'zod';
import { FAMILY_NAME } from '@ami/contracts';

export const streamQuery = z.object({
  family: z
    .string()
    .regex(FAMILY_NAME, 'must be 1-63 lowercase letters, digits or dashes')
    .optional()
    .meta({ description: 'only entries about this image family' }),
  action: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9._-]{0,99}\*?$/,
      'must be an action such as channel.promoted, or a prefix ending in *',
    )
    .optional()
    .meta({ description: 'only this action; a trailing * matches a prefix (channel.*)' }),
  access_token: z.string().min(1).max(8192).optional().meta({
    description:
      'the bearer token, for EventSource (which cannot send headers); Authorization wins when both are sent',
  }),
});

/** What each `audit` event's data holds (one JSON object per server-sent event). */
export const auditEntrySchema = z.object({
  id: z.string(),
  time: z.string().nullable(),
  source: z.string(),
  family: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  actor: z.string(),
  action: z.string(),
  subject: z.record(z.string(), z.string()),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  outcome: z.enum(['succeeded', 'failed', 'rejected', 'started']),
  reason: z.string().optional(),
});
