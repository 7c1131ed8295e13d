import { z } from 'zod';
import { authConfigShape } from '@ami/auth';
import { awsConfigShape } from '@ami/aws';
import { commonConfigShape, env } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const permissionsConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
  ...authConfigShape,
  GRPC_PORT: env.port(50054),
  GRPC_HOST: env.string('127.0.0.1'),
  /** Run the apply/reconcile workers in this replica (replicas share copies through row leases). */
  PERMISSIONS_WORKER_ENABLED: env.bool(true),
  PERMISSIONS_WORKER_INTERVAL_MS: env.int(1000, 10),
  /** Copies one worker tick claims (then grouped per account x region). */
  PERMISSIONS_BATCH_SIZE: env.int(200, 1),
  /** Copies of one region read and written at once; the gateway's buckets pace the calls. */
  PERMISSIONS_REGION_CONCURRENCY: env.int(25, 1),
  /** A claimed copy nobody saved within this time is taken over by another worker. */
  PERMISSIONS_LEASE_MS: env.int(120_000, 1000),
  PERMISSIONS_RETRY_BASE_MS: env.int(2000, 1),
  PERMISSIONS_RETRY_MAX_MS: env.int(300_000, 1),
  /** Every managed copy is reconciled at least this often (0: only on request and on events). */
  RECONCILE_INTERVAL_S: env.int(3600, 0),
  /**
   * The platform's sharing allow-list (comma-separated). When any of the three is set, a
   * family may share only with principals listed here; the others are refused.
   */
  SHARING_ALLOWED_ACCOUNTS: env.list(''),
  SHARING_ALLOWED_ORGANIZATIONS: env.list(''),
  SHARING_ALLOWED_OUS: env.list(''),
});

export type PermissionsConfig = z.infer<typeof permissionsConfigSchema>;
