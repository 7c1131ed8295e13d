import { z } from 'zod';
import { env } from './load-config.js';

/** Variables every service reads: its HTTP port, the database, the broker, logging, platform policy. */
export const commonConfigShape = {
  NODE_ENV: env.enumOf(['development', 'test', 'production'] as const, 'development'),
  LOG_LEVEL: env.enumOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    'info',
  ),
  HTTP_PORT: env.port(),
  HTTP_HOST: env.string('127.0.0.1'),
  DB_HOST: env.string('127.0.0.1'),
  DB_PORT: env.port(55432),
  DB_NAME: env.string('ami'),
  DB_USER: env.string(),
  DB_PASSWORD: env.secret(),
  DB_POOL_SIZE: env.int(10, 1),
  KAFKA_BROKERS: env.list('127.0.0.1:19092'),
  // The bus authenticates every client (SASL/SCRAM-SHA-512); SASL_SSL adds TLS for production.
  KAFKA_SECURITY_PROTOCOL: env.enumOf(['SASL_PLAINTEXT', 'SASL_SSL'] as const, 'SASL_PLAINTEXT'),
  KAFKA_SASL_MECHANISM: env.enumOf(['scram-sha-512', 'scram-sha-256'] as const, 'scram-sha-512'),
  /** The service's own principal, e.g. ami-catalog. */
  KAFKA_SASL_USERNAME: env.string(),
  KAFKA_SASL_PASSWORD: env.secret(),
  /** PEM file of the CA that signed the brokers' certificates (SASL_SSL); unset = system CAs. */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_GROUP_ID: z.string().min(1).optional(),
  KAFKA_TOPIC_PARTITIONS: env.int(6, 1),
  KAFKA_REPLICATION_FACTOR: env.int(1, 1),
  ALLOW_PUBLIC_AMIS: env.bool(false),
};

export const commonConfigSchema = z.object(commonConfigShape);
export type CommonConfig = z.infer<typeof commonConfigSchema>;
