import { z } from 'zod';
import { authConfigShape } from '@ami/auth';
import { awsConfigShape } from '@ami/aws';
import { commonConfigShape, env } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';
import { cronProblem, isTimeZone } from '@ami/contracts';

const cron = env.string('0 3 * * *').superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const maintenanceScannerConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
  ...authConfigShape,
  GRPC_PORT: env.port(50055),
  GRPC_HOST: env.string('127.0.0.1'),
  /** When a family whose spec names no maintenance.schedule is scanned. */
  MAINTENANCE_DEFAULT_SCHEDULE: cron,
  MAINTENANCE_DEFAULT_TIMEZONE: env
    .string('UTC')
    .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin'),
  /** Run the scan worker in this replica (replicas share families by row locks). */
  SCAN_WORKER_ENABLED: env.bool(true),
  SCAN_WORKER_INTERVAL_MS: env.int(1000, 10),
  /** Families one tick scans together (their source lookups are batched per region). */
  SCAN_BATCH: env.int(100, 1),
  SCAN_LEASE_MS: env.int(60_000, 1000),
  /** Failed rebuilds (asked by the scanner, in a row) after which it stops asking and reports. */
  REBUILD_MAX_FAILURES: env.int(3, 1),
  /** Backoff before the same cause is asked again after a failed rebuild. */
  REBUILD_RETRY_BASE_MS: env.int(600_000, 1),
  REBUILD_RETRY_MAX_MS: env.int(21_600_000, 1),
  /** Plan retention on the families' schedules and after facts, in this replica. */
  RETENTION_SCHEDULE_ENABLED: env.bool(true),
  /** Run the retention executor in this replica (replicas share plans by row locks). */
  RETENTION_WORKER_ENABLED: env.bool(true),
  RETENTION_WORKER_INTERVAL_MS: env.int(1000, 10),
  RETENTION_LEASE_MS: env.int(120_000, 1000),
  /** A copy whose action EC2 refused transiently is tried again after this backoff... */
  RETENTION_RETRY_BASE_MS: env.int(30_000, 1),
  RETENTION_RETRY_MAX_MS: env.int(3_600_000, 1),
  /** ...at most this many times; then the action fails and the report says why. */
  RETENTION_MAX_ATTEMPTS: env.int(5, 1),
  /** A dry-run plan older than this can no longer be executed (plan again). */
  RETENTION_PLAN_TTL_MS: env.int(86_400_000, 1000),
});

export type MaintenanceScannerConfig = z.infer<typeof maintenanceScannerConfigSchema>;
