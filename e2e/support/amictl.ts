import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LOCAL_AUTH_SECRET, testEnv, type ServiceProcess } from '@ami/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface AmictlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Amictl = (
  args: string[],
  env?: Record<string, string | undefined>,
) => Promise<AmictlRun>;

/**
 * Runs the built amictl (dist/tools/amictl/main.js) as an operator would, pointed at the
 * given service processes through <SERVICE>_URL, minting its tokens from AUTH_JWT_SECRET, and
 * reading the audit stream from the test stack's Kafka as ami-ops.
 */
export function amictlFor(services: ServiceProcess[], subject: string): Amictl {
  const urls = Object.fromEntries(
    services.map((s) => [`${s.name.toUpperCase().replace(/-/g, '_')}_URL`, s.url]),
  );
  return (args, env = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['dist/tools/amictl/main.js', ...args], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
          AMI_USER: subject,
          KAFKA_BROKERS: testEnv().kafkaBrokers.join(','),
          KAFKA_OPS_PASSWORD: testEnv().kafkaPassword('ami-ops'),
          ...urls,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
}
