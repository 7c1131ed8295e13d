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

/**
 * Regions the catalog can call EC2 in (imports): the AWS and AWS GovCloud partitions' EC2
 * regions. A name that merely looks like a region has no endpoint to answer it.
 */
export const EC2_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
] as const;
export const ec2Region = z.enum(EC2_REGIONS).meta({ description: 'an EC2 region' });
