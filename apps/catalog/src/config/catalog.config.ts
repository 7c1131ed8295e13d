import { z } from 'zod';
import { authConfigShape } from '@ami/auth';
import { awsConfigShape } from '@ami/aws';
import { commonConfigShape, env } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const catalogConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
  ...authConfigShape,
  GRPC_PORT: env.port(50051),
  GRPC_HOST: env.string('127.0.0.1'),
  /** How often the resolve invalidation connection proves it is alive, and how long it may take. */
  RESOLVE_LISTEN_HEARTBEAT_MS: env.int(5000, 50),
  RESOLVE_LISTEN_TIMEOUT_MS: env.int(5000, 50),
  /** Cache-Control max-age of resolve answers: how long a client may reuse one unasked. */
  CATALOG_RESOLVE_MAX_AGE_S: env.int(5, 0),
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
