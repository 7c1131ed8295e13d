import type { INestApplication, Type } from '@nestjs/common';
import { createServiceApp } from '@ami/runtime';
import { testEnv } from './test-env.js';
import { uniqueName } from './kafka.js';
import { freePort } from './ports.js';

/** The local stack's development secret (scripts/lib/defaults.sh), for tests that mint tokens. */
export const LOCAL_AUTH_SECRET = 'ami-local-development-secret-not-for-production';

/**
 * Boots a service in the test process against the real infrastructure, as its own database
 * role, with its own consumer group (so a running stack's copy of the service does not take
 * the test's events). Does not listen on a port unless asked.
 */
export async function startServiceForTest(
  module: Type<unknown>,
  service: { name: string; schema: string; consumeEvents?: boolean },
  overrides: Record<string, string> = {},
  configure?: (app: any) => Promise<void> | void,
): Promise<INestApplication> {
  const env = testEnv();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    HTTP_PORT: '1',
    DB_HOST: env.db.host,
    DB_PORT: String(env.db.port),
    DB_NAME: env.db.database,
    DB_USER: service.schema,
    DB_PASSWORD:
      process.env[`${service.schema.toUpperCase()}_DB_PASSWORD`] ?? `${service.schema}-local-dev`,
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    // The service's own principal, as in the stack: what its ACLs refuse, it cannot do here either.
    KAFKA_SASL_USERNAME: `ami-${service.name}`,
    KAFKA_SASL_PASSWORD: env.kafkaPassword(`ami-${service.name}`),
    KAFKA_NEW_GROUP_FROM_END: 'true',
    // a killed replica's partitions move in seconds, not the 30 s default
    KAFKA_SESSION_TIMEOUT_MS: '8000',
    KAFKA_GROUP_ID: uniqueName(`${service.name}-test`),
    AWS_ENDPOINT_URL: env.awsEndpoint,
    AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
    GRPC_PORT: String(await freePort()),
    ...overrides,
  });
  const app = await createServiceApp(module, {
    name: service.name,
    schema: service.schema,
    consumeEvents: service.consumeEvents,
    configure,
  });
  await app.init();
  await app.startAllMicroservices();
  return app;
}
