import { ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually, uniqueName } from './kafka.js';
import { freePort } from './ports.js';
import { LOCAL_AUTH_SECRET } from './service-app.js';
import { testEnv } from './test-env.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a built service (dist/) as its own process, the way the stack does. */
export async function startServiceProcess(
  name: string,
  extraEnv: Record<string, string | undefined> = {},
): Promise<ServiceProcess> {
  const env = testEnv();
  const schema = name.replace(/-/g, '_');
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [`dist/apps/${name}/src/main.js`], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HTTP_PORT: String(port),
      DB_HOST: env.db.host,
      DB_PORT: String(env.db.port),
      DB_NAME: env.db.database,
      DB_USER: schema,
      DB_PASSWORD: process.env[`${schema.toUpperCase()}_DB_PASSWORD`] ?? `${schema}-local-dev`,
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      // The service's own principal, as in the stack: what its ACLs refuse, it cannot do here either.
      KAFKA_SASL_USERNAME: `ami-${name}`,
      KAFKA_SASL_PASSWORD: env.kafkaPassword(`ami-${name}`),
      KAFKA_NEW_GROUP_FROM_END: 'true',
      // a killed replica's partitions move in seconds, not the 30 s default
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      KAFKA_GROUP_ID: uniqueName(`${name}-e2e`),
      AWS_ENDPOINT_URL: env.awsEndpoint,
      AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      GRPC_PORT: String(await freePort()),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      // A process ended by a signal has no exit code, only a signal code: stopped all the same.
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function waitReady(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      if (service.child.exitCode !== null)
        throw new Error(`${service.name} exited: ${service.output()}`);
      const res = await fetch(`${service.url}/health/ready`).catch(() => undefined);
      return res?.status === 200;
    },
    timeoutMs,
    `${service.name} to be ready`,
  );
}
