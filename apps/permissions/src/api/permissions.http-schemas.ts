import { z } from 'zod';
import {
  FAMILY_NAME,
  permissionDifferenceSchema,
  principalSchema,
  regionSchema,
  sharingSchema,
} from '@ami/contracts';
import { cursorParam, limitParam, text, timestamp } from '@ami/runtime';

/**
 * The permissions API's parameters, bodies and answers. The patterns are those the domain
 * accepts (libs/contracts), so a value no family or version could have is a 400 naming it
 * before any query runs. Principals are checked by the use case, which names each bad one.
 */
export const familyName = z.string().regex(FAMILY_NAME, 'must be a family name');
export const versionName = z
  .string()
  .regex(/^\d{4}\.\d{2}\.\d{2}-i?\d{1,9}$/, 'must look like 2026.11.27-1 (imports 2026.11.27-i1)');

export const familyParam = {
  schema: familyName.meta({ description: 'image family name' }),
} as const;
export const versionParam = {
  schema: versionName.meta({ description: 'version of the family' }),
} as const;
export const overrideIdParam = {
  schema: z
    .uuid('must be a grant or revocation id')
    .meta({ description: 'grant or revocation id' }),
} as const;

export const driftQuery = z
  .object({
    version: versionName.optional(),
    limit: limitParam(),
    cursor: cursorParam,
  })
  .strict();

const principalValue = z.string().max(256);
export const overrideBody = z
  .object({
    version: versionName
      .optional()
      .meta({ description: 'only this version; absent: every version' }),
    accounts: z.array(principalValue).max(1000).optional(),
    organizationArns: z.array(principalValue).max(25).optional(),
    organizationalUnitArns: z.array(principalValue).max(25).optional(),
    public: z.boolean().optional(),
    expiresAt: z
      .string()
      .max(64)
      .optional()
      .meta({ format: 'date-time', description: 'a time in the future; absent: until withdrawn' }),
    reason: text({ min: 1, max: 500 }),
  })
  .strict();

export const reconcileBody = z
  .object({
    version: versionName.optional(),
    reason: text({ min: 1, max: 500 }).optional(),
  })
  .strict();

/** EventBridge's envelope (CloudTrail ModifyImageAttribute/ModifySnapshotAttribute, EC2 AMI state change). */
export const awsEventBody = z
  .object({
    source: z.literal('aws.ec2'),
    region: regionSchema,
    'detail-type': text({ min: 1, max: 256 }),
    resources: z
      .array(text({ max: 2048 }))
      .max(100)
      .optional(),
    detail: z
      .object({
        eventName: text({ max: 256 }).optional(),
        requestParameters: z
          .object({ imageId: text({ max: 64 }).optional() })
          .loose()
          .optional(),
        ImageId: text({ max: 64 }).optional(),
      })
      .loose(),
  })
  .loose();

const principalLists = z.object({
  accounts: z.array(z.string()),
  organizationArns: z.array(z.string()),
  organizationalUnitArns: z.array(z.string()),
  public: z.boolean(),
});

const regionalPermissions = z.object({
  region: z.string(),
  account: z.string(),
  imageId: z.string(),
  imageState: z.enum(['available', 'deprecated', 'disabled', 'deregistered']),
  desired: principalLists.nullable().meta({ description: 'who should be able to launch it' }),
  desiredSnapshotAccounts: z.array(z.string()).nullable(),
  actual: principalLists
    .extend({ snapshots: z.record(z.string(), principalLists) })
    .nullable()
    .meta({ description: 'what EC2 answered at the last pass' }),
  failures: z.array(z.object({ principal: principalSchema, reason: z.string() })),
  pending: z.boolean().meta({ description: 'a pass is requested and not done yet' }),
  pendingReason: z.string().nullable(),
  lastError: z.string().nullable(),
  lastAppliedAt: timestamp.nullable(),
  lastReconciledAt: timestamp.nullable(),
  blockPublicAccess: z
    .string()
    .nullable()
    .meta({ description: "the region's image block public access state" }),
});

export const overrideSchema = z.object({
  id: z.string(),
  family: z.string(),
  version: z.string().nullable().meta({ description: 'null: every version of the family' }),
  effect: z.enum(['grant', 'revoke']),
  principal: principalSchema,
  expiresAt: timestamp.nullable(),
  reason: z.string(),
  requestedBy: z.string(),
  createdAt: timestamp,
});
export const overrideList = z.array(overrideSchema);

export const familyPermissions = z.object({
  family: z.string(),
  specVersion: z.number().int().nullable(),
  sharing: sharingSchema.nullable().meta({ description: "the spec's sharing; null before one" }),
  overrides: z.array(overrideSchema).meta({ description: 'active manual grants and revocations' }),
  lastReconciledAt: timestamp
    .nullable()
    .meta({ description: 'the oldest last reconcile among live copies' }),
  versions: z.array(z.object({ version: z.string(), regions: z.array(regionalPermissions) })),
});

const actualPermissions = z.object({
  launch: z.array(principalSchema),
  snapshots: z.record(z.string(), z.array(principalSchema)),
});

export const driftPage = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      family: z.string(),
      version: z.string(),
      region: z.string(),
      imageId: z.string(),
      mode: z.enum(['repair', 'report-only']),
      differences: z.array(permissionDifferenceSchema),
      repaired: z.array(permissionDifferenceSchema),
      actual: actualPermissions,
      after: actualPermissions,
      foundAt: timestamp,
    }),
  ),
  nextCursor: z.string().nullable().meta({ description: 'pass as ?cursor= for the next page' }),
});

export const familyReconcile = z.object({
  family: z.string(),
  version: z.string().nullable(),
  copies: z.number().int().meta({ description: 'copies queued for a pass' }),
});
export const reconcileAllResult = z.object({
  copies: z.number().int().meta({ description: 'copies queued for a pass' }),
});
export const awsEventResult = z.object({
  imageId: z.string(),
  region: z.string(),
  copies: z.number().int().meta({ description: 'copies of that image queued for a pass' }),
});
