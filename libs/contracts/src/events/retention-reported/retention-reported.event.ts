import { z } from 'zod';
import { family, timestamp, version } from '../shared.js';

/** EC2's quota of AMIs per region (aws-facts: 50,000; adjustable). */
export const AMI_QUOTA_PER_REGION = 50_000;

/** Storage and quota of one family in one account and region. */
export const familyStorageSchema = z
  .object({
    account: z.string(),
    region: z.string(),
    amiCount: z
      .number()
      .int()
      .meta({ description: "the family's images (available, deprecated or disabled)" }),
    amiQuota: z
      .number()
      .int()
      .meta({ description: 'AMIs per region the account may hold (EC2 default quota)' }),
    snapshotGiB: z.number().meta({ description: "the size of the family's snapshots, in GiB" }),
    orphanedSnapshots: z
      .array(z.object({ snapshotId: z.string(), sizeGiB: z.number() }).strict())
      .meta({ description: 'snapshots tagged with the family that no image uses' }),
  })
  .strict();
export type FamilyStorage = z.infer<typeof familyStorageSchema>;

/**
 * A retention plan was computed for a family (by schedule or by API): what it would do, what
 * it keeps and why, and the family's storage and quota per region.
 */
export const RETENTION_REPORTED = 'ami.maintenance.retention-reported';
export const retentionReportedSchema = z
  .object({
    family,
    planId: z.uuid(),
    plannedAt: timestamp,
    mode: z.enum(['enforce', 'report-only']),
    actions: z
      .object({
        deprecate: z.number().int(),
        disable: z.number().int(),
        deregister: z.number().int(),
        deleteSnapshot: z.number().int(),
      })
      .strict(),
    bytesRecovered: z.number().int(),
    kept: z.array(z.object({ version, reasons: z.array(z.string()) }).strict()),
    storage: z.array(familyStorageSchema),
  })
  .strict();
export type RetentionReported = z.infer<typeof retentionReportedSchema>;
