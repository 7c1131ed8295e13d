import { z } from 'zod';
import { authConfigShape } from '@ami/auth';
import { commonConfigShape, env } from '@ami/config';

/**
 * The console's settings: its HTTP port, where each service's HTTP API answers, how tokens are
 * checked (the services' own auth variables) and the bus principal its audit feed reads as.
 * It has no database: every view is read through the services' APIs with the caller's token.
 */
export const consoleConfigSchema = z.object({
  NODE_ENV: commonConfigShape.NODE_ENV,
  LOG_LEVEL: commonConfigShape.LOG_LEVEL,
  HTTP_PORT: env.port(),
  HTTP_HOST: env.string('127.0.0.1'),
  KAFKA_BROKERS: commonConfigShape.KAFKA_BROKERS,
  KAFKA_SECURITY_PROTOCOL: commonConfigShape.KAFKA_SECURITY_PROTOCOL,
  KAFKA_SASL_MECHANISM: commonConfigShape.KAFKA_SASL_MECHANISM,
  /** Ops' principal: it may read ami.audit.v1 in groups starting ami-ops, and nothing else. */
  KAFKA_SASL_USERNAME: env.string('ami-ops'),
  KAFKA_SASL_PASSWORD: env.secret(),
  KAFKA_SSL_CA_FILE: commonConfigShape.KAFKA_SSL_CA_FILE,
  KAFKA_CLIENT_ID: commonConfigShape.KAFKA_CLIENT_ID,
  /** Each console replica reads the whole audit topic: its own group (default: per host). */
  KAFKA_GROUP_ID: z
    .string()
    .regex(
      /^ami-ops[a-zA-Z0-9._-]*$/,
      'must start with ami-ops (the ops principal may use only those groups)',
    )
    .optional(),
  ...authConfigShape,
  CATALOG_URL: z.url().optional(),
  BUILDER_URL: z.url().optional(),
  REPLICATOR_URL: z.url().optional(),
  PERMISSIONS_URL: z.url().optional(),
  MAINTENANCE_SCANNER_URL: z.url().optional(),
  CATALOG_HTTP_PORT: env.port(3001),
  BUILDER_HTTP_PORT: env.port(3002),
  REPLICATOR_HTTP_PORT: env.port(3003),
  PERMISSIONS_HTTP_PORT: env.port(3004),
  MAINTENANCE_SCANNER_HTTP_PORT: env.port(3005),
  /** Audit entries kept in memory and sent to a client as it connects. */
  AUDIT_FEED_RECENT: env.int(200, 0),
  /** How long the proxy waits for a service's answer. */
  PROXY_TIMEOUT_MS: env.int(30_000, 100),
});

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
