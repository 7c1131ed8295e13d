/**
 * Where the integration tests find PostgreSQL, Kafka and the EC2 emulator. Values come from
 * the environment (the test command exports what the test stack started); the defaults are
 * the test stack's own ports (scripts/lib/test-stack.sh), never the dev stack's.
 */
export interface TestEnv {
  db: { host: string; port: number; database: string; adminUser: string; adminPassword: string };
  kafkaBrokers: string[];
  /** The bus's super user (topics, ACLs, collecting): tests and benchmarks act as it. */
  kafkaAdmin: { username: string; password: string };
  /** A principal's password (ami-catalog, ami-producer, ...), as the stack created it. */
  kafkaPassword(principal: string): string;
  motoUrl: string;
  awsEndpoint: string;
}

export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  return {
    db: {
      host: env.DB_HOST ?? '127.0.0.1',
      port: Number(env.DB_PORT ?? 56432),
      database: env.DB_NAME ?? 'ami',
      adminUser: env.DB_ADMIN_USER ?? 'ami_admin',
      adminPassword: env.DB_ADMIN_PASSWORD ?? 'ami-admin-local',
    },
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(','),
    kafkaAdmin: { username: 'ami-admin', password: kafkaPassword('ami-admin', env) },
    kafkaPassword: (principal) => kafkaPassword(principal, env),
    motoUrl: env.MOTO_URL ?? `http://127.0.0.1:${env.MOTO_PORT ?? 5010}`,
    awsEndpoint: env.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${env.FIDELITY_PORT ?? 4576}`,
  };
}

/** KAFKA_<NAME>_PASSWORD, else the stack's local default (scripts/lib/defaults.sh). */
function kafkaPassword(principal: string, env: NodeJS.ProcessEnv): string {
  const name = principal.replace(/^ami-/, '');
  return (
    env[`KAFKA_${name.replace(/-/g, '_').toUpperCase()}_PASSWORD`] ?? `${name}-kafka-local-dev`
  );
}

export function assertLocalEndpoint(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host) && !host.startsWith('127.')) {
    throw new Error(
      `tests refuse to talk to ${url}: the EC2 endpoint must be on loopback (the local emulator)`,
    );
  }
}
