import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { endpointEnv, KAFKA_PASSWORD_VARS, testInfraDefinitions } from './test-containers.js';

const root = join(import.meta.dirname, '../..');

interface ComposeService {
  image?: string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const service = (name: string) => compose.services[name]!;

/** The environment scripts/test.sh has: the test stack's variables, then the defaults. */
function testStackEnv(extra: Record<string, string> = {}): Record<string, string> {
  const out = execFileSync(
    'bash',
    ['-c', 'source scripts/lib/test-stack.sh && source scripts/lib/defaults.sh && env -0'],
    { cwd: root, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...extra } },
  );
  return Object.fromEntries(
    out
      .toString()
      .split('\0')
      .filter(Boolean)
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
}

describe('the test containers are the ones docker-compose.yml runs', () => {
  const env = testStackEnv();
  const defs = testInfraDefinitions(env, root);

  it('runs the same images', () => {
    expect(defs.postgres.image).toBe(service('postgres').image);
    expect(defs.kafka.image).toBe(service('kafka').image);
    expect(defs.kafka.image).toBe(service('kafka-setup').image);
    expect(defs.moto.image).toBe(service('moto').image);
    const runtime = readFileSync(join(root, 'Dockerfile'), 'utf8').match(/^FROM (\S+)\s*$/m)?.[1];
    expect(defs.fidelityProxy.image).toBe(runtime);
  });

  it('starts PostgreSQL with the admin user and database compose and the scripts use', () => {
    expect(defs.postgres.env).toEqual(service('postgres').environment);
    expect(defs.postgres.ports).toEqual([{ container: 5432, host: Number(env.DB_PORT) }]);
  });

  it("starts Kafka through compose's entrypoint, mount and SCRAM principals, then its topic and ACL set-up", () => {
    const kafka = service('kafka');
    expect(defs.kafka.entrypoint).toEqual(kafka.entrypoint);
    const [source, target] = kafka.volumes![0]!.split(':');
    expect(defs.kafka.mounts).toEqual([{ source: join(root, source!), target }]);
    const composePasswords = Object.keys(kafka.environment!).filter((k) => k.endsWith('_PASSWORD'));
    expect([...KAFKA_PASSWORD_VARS].sort()).toEqual(composePasswords.sort());
    for (const v of KAFKA_PASSWORD_VARS) expect(defs.kafka.env[v]).toBe(env[v]);
    expect(defs.kafkaSetup.command).toEqual(service('kafka-setup').entrypoint);
    // the set-up script dials the broker it is told to (compose's default: kafka:9092)
    const setupScript = readFileSync(join(root, 'infra/kafka/compose-setup.sh'), 'utf8');
    expect(setupScript).toContain('bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}');
    expect(defs.kafkaSetup.env.KAFKA_BOOTSTRAP).toBe(`localhost:${env.KAFKA_PORT}`);
  });

  it("publishes moto's port as compose does, on the test stack's port", () => {
    const [, containerPort] = service('moto').ports![0]!.split(':');
    expect(defs.moto.ports).toEqual([
      { container: Number(containerPort), host: Number(env.MOTO_PORT) },
    ]);
  });

  it('exports the endpoints the scripts export for the test stack', () => {
    const exported = endpointEnv(defs, '127.0.0.1', env);
    for (const name of [
      'DB_HOST',
      'DB_PORT',
      'KAFKA_BROKERS',
      'MOTO_URL',
      'FIDELITY_URL',
      'AWS_ENDPOINT_URL',
    ])
      expect({ name, value: exported[name] }).toEqual({ name, value: env[name] });
  });

  it('follows TEST_* port overrides, as a second checkout would set them', () => {
    const other = testStackEnv({
      TEST_DB_PORT: '56532',
      TEST_KAFKA_PORT: '29192',
      TEST_FIDELITY_PORT: '4676',
    });
    const moved = testInfraDefinitions(other, root);
    expect(moved.postgres.ports[0]!.host).toBe(56532);
    expect(moved.kafka.ports).toEqual([{ container: 29192, host: 29192 }]);
    expect(endpointEnv(moved, '127.0.0.1', other).AWS_ENDPOINT_URL).toBe('http://127.0.0.1:4676');
  });
});
