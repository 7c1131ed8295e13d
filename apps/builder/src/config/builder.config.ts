import { z } from 'zod';
import { authConfigShape } from '@ami/auth';
import { awsConfigShape } from '@ami/aws';
import { commonConfigShape, env } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const builderConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
  ...authConfigShape,
  GRPC_PORT: env.port(50052),
  GRPC_HOST: env.string('127.0.0.1'),
  /** Run the build workers in this replica (every replica may; they share work by row locks). */
  BUILD_WORKER_ENABLED: env.bool(true),
  /** Builds running at once across all families (each family runs one at a time). */
  BUILD_GLOBAL_CAP: env.int(10, 1),
  /** Builds one replica advances at once. */
  BUILD_WORKER_CONCURRENCY: env.int(10, 1),
  BUILD_WORKER_INTERVAL_MS: env.int(500, 10),
  /** How often pending images and instance states are polled. */
  BUILD_POLL_INTERVAL_MS: env.int(5000, 10),
  /** A claimed build nobody finished within this time is taken over by another worker. */
  BUILD_LEASE_MS: env.int(120_000, 1000),
  BUILD_STEP_MAX_ATTEMPTS: env.int(5, 1),
  BUILD_STEP_RETRY_BASE_MS: env.int(1000, 1),
  /** Upper bound for any single step; customise uses the recipe's own timeout. */
  BUILD_STEP_TIMEOUT_S: env.int(1800, 1),
  BUILD_IMAGE_TIMEOUT_S: env.int(7200, 1),
  /**
   * How long after creating an instance, image or command "not found" means "not visible yet"
   * (EC2 and SSM are eventually consistent) rather than a failure.
   */
  BUILD_VISIBILITY_WINDOW_S: env.int(120, 1),
  /** Longest command output (masked first) kept in a failure reason, an event or the audit. */
  BUILD_OUTPUT_MAX_CHARS: env.int(2000, 100),
  /**
   * A rebuild request for a family the builder has not heard of yet waits this long for its
   * spec (a spec applied just before the request travels on another topic and may arrive
   * second); then it is rejected.
   */
  REBUILD_SPEC_WAIT_S: env.int(60, 0),
  /** Run the janitor's periodic sweep in this replica (one replica sweeps at a time). */
  JANITOR_ENABLED: env.bool(true),
  JANITOR_INTERVAL_S: env.int(3600, 1),
  /** Tagged resources of a build the builder does not know are removed once older than this. */
  JANITOR_GRACE_S: env.int(86_400, 0),
  /** Removals per sweep at most; the rest wait for the next sweep. */
  JANITOR_MAX_REMOVALS: env.int(200, 1),
});

export type BuilderConfig = z.infer<typeof builderConfigSchema>;
