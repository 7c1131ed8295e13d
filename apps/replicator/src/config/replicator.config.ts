import { z } from 'zod';
import { authConfigShape } from '@ami/auth';
import { awsConfigShape } from '@ami/aws';
import { commonConfigShape, env } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const replicatorConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
  ...authConfigShape,
  GRPC_PORT: env.port(50053),
  GRPC_HOST: env.string('127.0.0.1'),
  /** Run the distribution-target worker and reconcile in this replica (they share work by row locks). */
  TARGET_WORKER_ENABLED: env.bool(true),
  TARGET_WORKER_INTERVAL_MS: env.int(500, 10),
  /** How often written SSM parameters and launch templates are read back and repaired. */
  TARGET_RECONCILE_INTERVAL_MS: env.int(300_000, 100),
  TARGET_LEASE_MS: env.int(60_000, 1000),
  /** Attempts of a failing target write before it waits for the next reconcile. */
  TARGET_MAX_ATTEMPTS: env.int(5, 1),
  TARGET_RETRY_BASE_MS: env.int(5000, 1),
  TARGET_RETRY_MAX_MS: env.int(300_000, 1),
  /** How often a target whose version has no image in its region yet (a copy under way) looks again. */
  TARGET_IMAGE_POLL_MS: env.int(5000, 10),
  /** How long a target waits for its version's image in its region before it fails. */
  TARGET_IMAGE_WAIT_S: env.int(21_600, 1),
  /** Run the copy workers in this replica (every replica may; they share work by row locks). */
  COPY_WORKER_ENABLED: env.bool(true),
  /**
   * Copies in flight per destination region, across every replica (aws-facts.md: EC2 allows
   * 300 concurrent copies per destination region in the current docs).
   */
  COPY_REGION_CAP: env.int(300, 1),
  /** Copy jobs one replica starts (CopyImage) at once. */
  COPY_WORKER_CONCURRENCY: env.int(200, 1),
  COPY_WORKER_INTERVAL_MS: env.int(500, 10),
  /** How often pending copies are polled (one DescribeImages per region per poll). */
  COPY_POLL_INTERVAL_MS: env.int(5000, 10),
  /** A claimed job nobody saved within this is taken over (renewed while CopyImage waits). */
  COPY_LEASE_MS: env.int(60_000, 1000),
  /** Attempts of a copy that failed for a reason retrying may fix (the copy failed in AWS, AWS errors). */
  COPY_MAX_ATTEMPTS: env.int(3, 1),
  COPY_RETRY_BASE_MS: env.int(5000, 1),
  COPY_RETRY_MAX_MS: env.int(300_000, 1),
  /** How long a copy may stay pending before its job fails (AWS: best effort, minutes to hours). */
  COPY_TIMEOUT_S: env.int(21_600, 1),
  /** How long the account's enabled regions (DescribeRegions) are cached. */
  COPY_REGIONS_CACHE_S: env.int(300, 0),
});

export type ReplicatorConfig = z.infer<typeof replicatorConfigSchema>;
