import { z } from 'zod';
import { family, imageId, timestamp, version } from '../shared.js';

/** The rebuild causes the maintenance scanner knows. */
export const REBUILD_CAUSES = ['parent-revoked', 'parent-moved', 'source-moved', 'stale'] as const;
export type RebuildCause = (typeof REBUILD_CAUSES)[number];

export const maintenanceFindingsSchema = z
  .object({
    family,
    scannedAt: timestamp,
    lastBuild: z
      .object({ version, builtAt: timestamp, sourceImageId: imageId.nullable() })
      .strict()
      .nullable(),
    ageDays: z.number().nullable(),
    stale: z.boolean(),
    maxAgeDays: z.number().int().nullable(),
    sourceMoved: z
      .object({ from: imageId.nullable(), to: imageId })
      .strict()
      .nullable()
      .meta({ description: 'the source now resolves to a newer image than the last build used' }),
    sourceDeprecated: z.boolean().meta({
      description: 'the image the last build started from is deprecated in AWS',
    }),
    sourceUnresolvable: z.string().nullable().meta({
      description: 'why the source does not resolve; no rebuild is asked until it does',
    }),
    parentMoved: z
      .object({
        family,
        channel: z.string(),
        from: version.nullable(),
        to: version,
        availableInBuildRegion: z.boolean(),
      })
      .strict()
      .nullable(),
    revokedAncestors: z
      .array(
        z
          .object({ family, version, reason: z.string(), generation: z.number().int().min(1) })
          .strict(),
      )
      .meta({
        description:
          'revoked versions the latest version descends from (generation 1: its parent); HCP Packer revokes with inheritance',
      }),
    pendingRebuilds: z.array(
      z
        .object({
          requestId: z.string(),
          cause: z.enum(REBUILD_CAUSES),
          idempotencyKey: z.string(),
          state: z.string(),
          buildId: z.uuid().nullable(),
          askedAt: timestamp,
        })
        .strict(),
    ),
    failingRebuilds: z
      .object({
        consecutiveFailures: z.number().int(),
        suspended: z.boolean(),
        lastReason: z.string().nullable(),
      })
      .strict(),
  })
  .strict();
export type MaintenanceFindings = z.infer<typeof maintenanceFindingsSchema>;

/** A family's maintenance findings changed (the scanner publishes only when they do). */
export const MAINTENANCE_FINDINGS_REPORTED = 'ami.maintenance.findings-reported';
export const maintenanceFindingsReportedSchema = maintenanceFindingsSchema;
export type MaintenanceFindingsReported = MaintenanceFindings;
