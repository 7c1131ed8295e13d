import { z } from 'zod';
import { FAMILY_NAME, regionSchema } from '@ami/contracts';

/**
 * The catalog's path and query parameters: the patterns are those the domain accepts
 * (libs/contracts), so a value no family, version or channel could have is a 400 naming the
 * parameter before any query runs.
 */
export const familyName = z
  .string()
  .regex(FAMILY_NAME, 'must be 1-63 lowercase letters, digits or dashes')
  .meta({ description: 'image family name', example: 'web-base' });

export const versionName = z
  .string()
  .regex(/^\d{4}\.\d{2}\.\d{2}-i?\d{1,9}$/, 'must look like 2026.11.27-1 (imports 2026.11.27-i1)')
  .meta({ description: 'version of a family', example: '2026.11.27-1' });

export const channelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or dashes')
  .meta({ description: 'channel of a family', example: 'prod' });

export const region = regionSchema.meta({ description: 'AWS region', example: 'eu-west-1' });

export const specVersionNumber = z.coerce
  .number()
  .int()
  .min(1)
  .max(2_147_483_647)
  .meta({ description: 'spec version number, from 1' });

/** `{ schema }` options for @Param and @Query, so the pipe validates and OpenAPI documents. */
export const familyParam = { schema: familyName } as const;
export const versionParam = { schema: versionName } as const;
export const channelParam = { schema: channelName } as const;
