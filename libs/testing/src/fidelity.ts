import type { CountersSnapshot } from '../../../tools/fidelity-proxy/counters.js';
import type { FaultRule, FaultRuleInput } from '../../../tools/fidelity-proxy/faults.js';
import {
  startFidelityProxy,
  type FidelityProxy,
  type FidelityProxyOptions,
} from '../../../tools/fidelity-proxy/main.js';
import type { FidelityConfig } from '../../../tools/fidelity-proxy/state.js';
import { testEnv } from './test-env.js';

export type { CountersSnapshot, FaultRuleInput, FidelityConfig };

/** The fidelity proxy running inside the test process, driven through its control API. */
export interface FidelityForTest {
  /** The SDK endpoint (AWS_ENDPOINT_URL) to use. */
  url: string;
  proxy: FidelityProxy;
  /** PUT /_fidelity/config: throttle on/off, pendingMs, bucket sizes (null restores a default). */
  configure(
    patch: Partial<Omit<FidelityConfig, 'buckets'>> & {
      buckets?: FidelityConfig['buckets'] | Record<string, null>;
    },
  ): Promise<FidelityConfig>;
  /** POST /_fidelity/faults: e.g. `{ action: 'RunInstances', kind: 'drop', when: 'after', count: 1 }`. */
  addFault(rule: FaultRuleInput): Promise<FaultRule[]>;
  clearFaults(): Promise<void>;
  /** GET /_fidelity/faults: the rules in force, each with how often it fired (`hits`). */
  faults(): Promise<FaultRule[]>;
  counters(): Promise<CountersSnapshot>;
  resetCounters(): Promise<void>;
  /** Forgets the proxy's state; moto is left alone unless asked (other tests share it). */
  reset(options?: { moto?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Fails (does not skip) when moto is not there, naming where it was looked for. */
export async function assertMotoReachable(motoUrl = testEnv().motoUrl): Promise<void> {
  const reachable = await fetch(`${motoUrl}/moto-api/config`, {
    signal: AbortSignal.timeout(5_000),
  }).then(
    (response) => response.ok,
    () => false,
  );
  if (!reachable)
    throw new Error(
      `moto_server is not reachable at ${motoUrl}; start the stack (npm run stack -- infra) or set MOTO_URL`,
    );
}

/** Starts the fidelity proxy in-process on an ephemeral port, in front of MOTO_URL. */
export async function startFidelityForTest(
  options: Omit<FidelityProxyOptions, 'motoUrl' | 'port'> = {},
): Promise<FidelityForTest> {
  const motoUrl = testEnv().motoUrl;
  await assertMotoReachable(motoUrl);
  const proxy = await startFidelityProxy({ ...options, motoUrl, port: 0 });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${proxy.url}/_fidelity/${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T & { error?: string };
    if (!response.ok)
      throw new Error(
        `fidelity proxy ${method} /_fidelity/${path} answered ${response.status}: ${json.error}`,
      );
    return json;
  };
  return {
    url: proxy.url,
    proxy,
    configure: (patch) => control<FidelityConfig>('PUT', 'config', patch),
    addFault: async (rule) => (await control<{ rules: FaultRule[] }>('POST', 'faults', rule)).rules,
    clearFaults: async () => void (await control('DELETE', 'faults')),
    faults: async () => (await control<{ rules: FaultRule[] }>('GET', 'faults')).rules,
    counters: () => control<CountersSnapshot>('GET', 'counters'),
    resetCounters: async () => void (await control('POST', 'counters/reset')),
    reset: async ({ moto = false } = {}) => void (await control('POST', `reset?moto=${moto}`)),
    close: () => proxy.close(),
  };
}
