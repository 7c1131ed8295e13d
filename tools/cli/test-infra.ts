import { spawnSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseTestInfra, describeChoice, InfraChoiceError } from '../test-infra/infra-choice.js';
import { startTestContainers } from '../test-infra/start-containers.js';
import { endpointEnv, testInfraDefinitions } from '../test-infra/test-containers.js';

/**
 * scripts/test.sh's infrastructure step, run with the test stack's environment
 * (scripts/lib/test-stack.sh + defaults.sh):
 *   test-infra choose                  prints "scripts" or "containers"; the reason on stderr
 *   test-infra start --write-env <f>    starts the containers, writes `export` lines for their
 *                                      endpoints to <f>, and keeps them until SIGTERM
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function answers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const end = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => end(false));
    socket.once('connect', () => end(true));
    socket.once('error', () => end(false));
  });
}

async function choose(): Promise<void> {
  const env = process.env;
  const docker = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  const probes: Array<[string, string, number]> = [
    ['postgres', env.DB_HOST ?? '127.0.0.1', Number(env.DB_PORT)],
    ['kafka', env.KAFKA_HOST ?? '127.0.0.1', Number(env.KAFKA_PORT)],
  ];
  const seen: string[] = [];
  for (const [name, host, port] of probes)
    if (port && (await answers(host, port))) seen.push(`${name} :${port} answers`);
  try {
    const choice = chooseTestInfra({
      override: env.TEST_INFRA,
      dockerAnswers: docker.status === 0,
      stackRunning: seen.length > 0,
      stackSeenAt: seen.join(', '),
    });
    console.error(describeChoice(choice));
    console.log(choice.infra);
  } catch (error) {
    if (!(error instanceof InfraChoiceError)) throw error;
    console.error(`[test] infrastructure: ${error.message}`);
    process.exit(2);
  }
}

/** Where Docker publishes ports: DOCKER_HOST's host for a remote engine, else this machine. */
function dockerHostName(dockerHost: string | undefined): string {
  const match = dockerHost?.match(/^tcp:\/\/([^:/]+)/);
  return match?.[1] ?? '127.0.0.1';
}

async function start(envFile: string): Promise<void> {
  const host = dockerHostName(process.env.DOCKER_HOST);
  const defs = testInfraDefinitions(process.env, repoRoot, host);
  const infra = await startTestContainers(defs, (line) => console.error(line));
  const exports = Object.entries(endpointEnv(defs, host, process.env))
    .map(([k, v]) => `export ${k}='${v}'`)
    .join('\n');
  writeFileSync(`${envFile}.tmp`, `${exports}\n`);
  renameSync(`${envFile}.tmp`, envFile);
  console.error(`[test-infra] ready; endpoints in ${envFile}`);
  const stop = () => {
    infra.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  setInterval(() => undefined, 60_000);
}

const [command, flag, value] = process.argv.slice(2);
if (command === 'choose') await choose();
else if (command === 'start' && flag === '--write-env' && value)
  await start(value).catch((error: Error) => {
    console.error(`[test-infra] could not start the test containers: ${error.message}`);
    process.exit(1);
  });
else {
  console.error('usage: test-infra choose | test-infra start --write-env <path>');
  process.exit(2);
}
