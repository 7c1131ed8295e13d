// Entry point of the fidelity proxy (a project-owned dev and test tool that makes moto
// behave like EC2 where it matters). Configured from the environment:
//   MOTO_URL             moto_server to front          (default http://127.0.0.1:5000)
//   FIDELITY_HOST        address to listen on          (default 127.0.0.1)
//   FIDELITY_PORT        port to listen on             (default 4566)
//   FIDELITY_THROTTLE    off | on                      (default off)
//   FIDELITY_PENDING_MS  ms a new image stays pending  (default 0)
//   FIDELITY_VISIBILITY_MS  ms new instances, images and command invocations stay invisible (default 0)
import { pathToFileURL } from 'node:url';
import { startFidelityProxy, type FidelityProxyOptions } from './server.js';

export { startFidelityProxy } from './server.js';
export type { FidelityProxy, FidelityProxyOptions } from './server.js';

type Env = Record<string, string | undefined>;

function fail(variable: string, value: string, expected: string): never {
  throw new Error(`${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`);
}

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(variable, raw, `an integer from ${min} to ${max}`);
  return value;
}

/** Reads the proxy's options from the environment, failing with the variable's name. */
export function optionsFromEnv(
  env: Env = process.env,
): Required<
  Pick<
    FidelityProxyOptions,
    'motoUrl' | 'host' | 'port' | 'throttle' | 'pendingMs' | 'visibilityMs'
  >
> {
  const motoUrl = env.MOTO_URL || 'http://127.0.0.1:5000';
  try {
    const parsed = new URL(motoUrl);
    if (parsed.protocol !== 'http:') fail('MOTO_URL', motoUrl, 'an http:// URL');
  } catch (error) {
    if (error instanceof TypeError) fail('MOTO_URL', motoUrl, 'an http:// URL');
    throw error;
  }
  const throttleRaw = (env.FIDELITY_THROTTLE || 'off').toLowerCase();
  if (throttleRaw !== 'on' && throttleRaw !== 'off')
    fail('FIDELITY_THROTTLE', throttleRaw, '"on" or "off"');
  return {
    motoUrl,
    host: env.FIDELITY_HOST || '127.0.0.1',
    port: integer(env, 'FIDELITY_PORT', 4566, 0, 65535),
    throttle: throttleRaw === 'on',
    pendingMs: integer(env, 'FIDELITY_PENDING_MS', 0, 0, Number.MAX_SAFE_INTEGER),
    visibilityMs: integer(env, 'FIDELITY_VISIBILITY_MS', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

async function main(): Promise<void> {
  const options = optionsFromEnv();
  const proxy = await startFidelityProxy(options);
  process.stdout.write(
    `${JSON.stringify({
      msg: 'fidelity proxy listening',
      url: proxy.url,
      moto: options.motoUrl,
      throttle: options.throttle ? 'on' : 'off',
      pendingMs: options.pendingMs,
      visibilityMs: options.visibilityMs,
    })}\n`,
  );
  const stop = (signal: string) => {
    process.stdout.write(`${JSON.stringify({ msg: 'fidelity proxy stopping', signal })}\n`);
    proxy.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntryPoint) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `fidelity proxy failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
