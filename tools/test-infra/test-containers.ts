/**
 * The test infrastructure as containers: the images docker-compose.yml runs (checked by
 * test-containers.spec.ts), with the test stack's ports bound one to one on the host, so the
 * environment the scripts export (scripts/stack.sh env) stays true, and Kafka with the bus's
 * SASL/SCRAM principals, topics and ACLs from infra/kafka (the same compose-kafka.sh and
 * compose-setup.sh docker-compose uses). Pure data: start-containers.ts starts them.
 */
export interface ContainerDefinition {
  /** Name on the containers' network (moto is reached as http://moto:5000 by the proxy). */
  alias: string;
  image: string;
  env: Record<string, string>;
  /** container port -> host port */
  ports: Array<{ container: number; host: number }>;
  entrypoint?: string[];
  command?: string[];
  /** host path -> container path, read-only */
  mounts?: Array<{ source: string; target: string }>;
}

export interface TestInfraDefinitions {
  postgres: ContainerDefinition;
  kafka: ContainerDefinition;
  moto: ContainerDefinition;
  fidelityProxy: ContainerDefinition;
  /** Run inside the Kafka container once it listens: topics and ACLs. */
  kafkaSetup: { command: string[]; env: Record<string, string> };
}

/** Every bus principal's password variable (infra/kafka/bus.conf's users, plus the controller). */
export const KAFKA_PASSWORD_VARS = [
  'KAFKA_ADMIN_PASSWORD',
  'KAFKA_CONTROLLER_PASSWORD',
  'KAFKA_CATALOG_PASSWORD',
  'KAFKA_BUILDER_PASSWORD',
  'KAFKA_REPLICATOR_PASSWORD',
  'KAFKA_PERMISSIONS_PASSWORD',
  'KAFKA_MAINTENANCE_SCANNER_PASSWORD',
  'KAFKA_PRODUCER_PASSWORD',
  'KAFKA_OPS_PASSWORD',
] as const;

function need(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new Error(`${name} is not set (source scripts/lib/test-stack.sh and defaults.sh first)`);
  return value;
}
const port = (env: Record<string, string | undefined>, name: string) => Number(need(env, name));

/**
 * The containers for the environment the scripts set up (scripts/lib/test-stack.sh, then
 * defaults.sh). `advertisedHost` is where the tests reach Docker's published ports.
 */
export function testInfraDefinitions(
  env: Record<string, string | undefined>,
  repoRoot: string,
  advertisedHost = '127.0.0.1',
): TestInfraDefinitions {
  const kafkaPort = port(env, 'KAFKA_PORT');
  const controllerPort = port(env, 'KAFKA_CONTROLLER_PORT');
  const fidelityPort = port(env, 'FIDELITY_PORT');
  const passwords = Object.fromEntries(KAFKA_PASSWORD_VARS.map((v) => [v, need(env, v)]));
  const kafkaMount = [{ source: `${repoRoot}/infra/kafka`, target: '/opt/ami/kafka' }];
  return {
    postgres: {
      alias: 'postgres',
      image: 'postgres:15',
      env: {
        POSTGRES_USER: need(env, 'DB_ADMIN_USER'),
        POSTGRES_PASSWORD: need(env, 'DB_ADMIN_PASSWORD'),
        POSTGRES_DB: need(env, 'DB_NAME'),
      },
      ports: [{ container: 5432, host: port(env, 'DB_PORT') }],
      command: ['postgres', '-c', `max_connections=${env.DB_MAX_CONNECTIONS ?? '200'}`],
    },
    kafka: {
      alias: 'kafka',
      image: 'apache/kafka:4.1.1',
      entrypoint: ['/bin/sh', '/opt/ami/kafka/compose-kafka.sh'],
      mounts: kafkaMount,
      // the client listener on the host's port number inside too, so what it advertises is
      // what the tests dial
      env: {
        ...passwords,
        KAFKA_HOST: 'localhost',
        KAFKA_PORT: String(kafkaPort),
        KAFKA_CONTROLLER_PORT: String(controllerPort),
        KAFKA_LISTEN_HOST: '0.0.0.0',
        KAFKA_ADVERTISED_HOST: advertisedHost,
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      },
      ports: [{ container: kafkaPort, host: kafkaPort }],
    },
    kafkaSetup: {
      command: ['/bin/sh', '/opt/ami/kafka/compose-setup.sh'],
      env: {
        KAFKA_BOOTSTRAP: `localhost:${kafkaPort}`,
        KAFKA_ADMIN_PASSWORD: passwords.KAFKA_ADMIN_PASSWORD!,
        KAFKA_AUDIT_RETENTION_MS: env.KAFKA_AUDIT_RETENTION_MS ?? '-1',
        KAFKA_TOPIC_RETENTION_MS: env.KAFKA_TOPIC_RETENTION_MS ?? '604800000',
        KAFKA_TOPIC_PARTITIONS: env.KAFKA_TOPIC_PARTITIONS ?? '6',
      },
    },
    moto: {
      alias: 'moto',
      image: 'motoserver/moto:5.2.1',
      env: {},
      ports: [{ container: 5000, host: port(env, 'MOTO_PORT') }],
    },
    // the project's proxy, from the built tree (npm test builds first), in the image the
    // Dockerfile builds on
    fidelityProxy: {
      alias: 'fidelity-proxy',
      image: 'node:24-bookworm-slim',
      mounts: [{ source: repoRoot, target: '/app' }],
      command: ['node', '/app/dist/tools/fidelity-proxy/main.js'],
      env: {
        MOTO_URL: 'http://moto:5000',
        FIDELITY_HOST: '0.0.0.0',
        FIDELITY_PORT: String(fidelityPort),
        FIDELITY_PENDING_MS: env.FIDELITY_PENDING_MS ?? '3000',
        FIDELITY_VISIBILITY_MS: env.FIDELITY_VISIBILITY_MS ?? '2000',
        FIDELITY_THROTTLE: env.FIDELITY_THROTTLE ?? 'on',
      },
      ports: [{ container: fidelityPort, host: fidelityPort }],
    },
  };
}

/** The endpoint variables the scripts export, for the containers as started. */
export function endpointEnv(
  defs: TestInfraDefinitions,
  host: string,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const hostPort = (d: ContainerDefinition) => d.ports[0]!.host;
  const proxy = `http://${host}:${hostPort(defs.fidelityProxy)}`;
  const moto = `http://${host}:${hostPort(defs.moto)}`;
  return {
    DB_HOST: host,
    DB_PORT: String(hostPort(defs.postgres)),
    KAFKA_BROKERS: `${host}:${hostPort(defs.kafka)}`,
    MOTO_URL: moto,
    FIDELITY_URL: proxy,
    AWS_ENDPOINT_URL: env.STACK_SKIP_PROXY === '1' ? moto : proxy,
  };
}
