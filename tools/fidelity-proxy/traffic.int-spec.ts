// The proxy against a real moto_server (MOTO_URL): throttling, fault injection, counters,
// the control API and SSM pass-through.
import {
  DescribeImagesCommand,
  DescribeRegionsCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { testEnv } from '@ami/testing';
import type { CountersSnapshot } from './counters.js';
import { startFidelityProxy, type FidelityProxy } from './main.js';

const motoUrl = testEnv().motoUrl;
const account = `7${String(Date.now()).slice(-11)}`;
let proxy: FidelityProxy;
let ec2: EC2Client;

function ec2Client(endpoint: string, accountId: string, region = 'us-east-1'): EC2Client {
  const client = new EC2Client({
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] =
        accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

async function control<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(`${proxy.url}/_fidelity/${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } },
  );
}

const describeSelf = () => ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));

beforeAll(async () => {
  const reachable = await fetch(`${motoUrl}/moto-api/config`).then(
    (r) => r.ok,
    () => false,
  );
  if (!reachable)
    throw new Error(`moto_server is not reachable at ${motoUrl}; start the stack or set MOTO_URL`);
  proxy = await startFidelityProxy({ motoUrl });
  ec2 = ec2Client(proxy.url, account);
});

afterAll(async () => {
  ec2?.destroy();
  await proxy?.close();
});

afterEach(async () => {
  await control('DELETE', 'faults');
  await control('PUT', 'config', {
    throttle: 'off',
    buckets: { DescribeImages: null, DescribeRegions: null },
  });
});

describe('throttling', () => {
  it('is off by default', async () => {
    expect((await control<{ throttle: boolean }>('GET', 'config')).json.throttle).toBe(false);
    await control('PUT', 'config', {
      buckets: { DescribeRegions: { capacity: 1, refillPerSecond: 0 } },
    });
    for (let i = 0; i < 3; i++) await ec2.send(new DescribeRegionsCommand({}));
  });

  it('answers HTTP 503 RequestLimitExceeded once the bucket is empty, per account and region, and counts it', async () => {
    const put = await control('PUT', 'config', {
      throttle: 'on',
      buckets: { DescribeImages: { capacity: 3, refillPerSecond: 0 } },
    });
    expect(put.status).toBe(200);
    await control('POST', 'counters/reset');

    for (let i = 0; i < 3; i++) await describeSelf();
    const error = await failure(describeSelf());
    expect(error.name).toBe('RequestLimitExceeded');
    expect(error.message).toBe('Request limit exceeded.');
    expect(error.$metadata?.httpStatusCode).toBe(503);

    // other accounts and regions have their own buckets; other actions too
    const otherRegion = ec2Client(proxy.url, account, 'eu-west-1');
    await otherRegion.send(new DescribeImagesCommand({ Owners: ['self'] }));
    otherRegion.destroy();
    await ec2.send(new DescribeRegionsCommand({}));

    const counters = (await control<CountersSnapshot>('GET', 'counters')).json;
    expect(counters.actions.DescribeImages).toMatchObject({ ok: 4, throttled: 1, upstream: 4 });
    expect(counters.scopes[`${account}/us-east-1`]?.DescribeImages).toMatchObject({
      ok: 3,
      throttled: 1,
    });
  });

  it('refills at the configured rate', async () => {
    await control('PUT', 'config', {
      throttle: 'on',
      buckets: { DescribeImages: { capacity: 1, refillPerSecond: 5 } },
    });
    await describeSelf();
    expect((await failure(describeSelf())).name).toBe('RequestLimitExceeded');
    await new Promise((resolve) => setTimeout(resolve, 250));
    await describeSelf();
  });

  it('rejects an invalid config with the reason', async () => {
    const { status, json } = await control<{ error: string }>('PUT', 'config', {
      throttle: 'sometimes',
    });
    expect(status).toBe(400);
    expect(json.error).toMatch(/throttle must be "on" or "off"/);
  });
});

describe('fault injection', () => {
  it('answers the next call with HTTP 500 InternalError, then recovers', async () => {
    const added = await control<{ rules: Array<{ id: string }> }>('POST', 'faults', {
      action: 'DescribeImages',
      kind: 'internal-error',
      count: 1,
    });
    expect(added.status).toBe(201);
    await control('POST', 'counters/reset');

    const error = await failure(describeSelf());
    expect(error.name).toBe('InternalError');
    expect(error.$metadata?.httpStatusCode).toBe(500);
    await describeSelf();

    const counters = (await control<CountersSnapshot>('GET', 'counters')).json;
    expect(counters.actions.DescribeImages).toMatchObject({ fault: 1, ok: 1, upstream: 1 });
  });

  it('throttles a fraction of the calls with RequestLimitExceeded, counted as throttled', async () => {
    await control('POST', 'faults', { service: 'ec2', kind: 'throttled', count: 1 });
    await control('POST', 'counters/reset');

    const error = await failure(describeSelf());
    expect(error.name).toBe('RequestLimitExceeded');
    expect(error.$metadata?.httpStatusCode).toBe(503);
    await describeSelf();

    const counters = (await control<CountersSnapshot>('GET', 'counters')).json;
    expect(counters.actions.DescribeImages).toMatchObject({ throttled: 1, ok: 1, upstream: 1 });
  });

  it('answers HTTP 503 Unavailable for any action with "*"', async () => {
    await control('POST', 'faults', { kind: 'unavailable', count: 1 });
    const error = await failure(ec2.send(new DescribeRegionsCommand({})));
    expect(error.name).toBe('Unavailable');
    expect(error.$metadata?.httpStatusCode).toBe(503);
  });

  it('drops the connection without an answer', async () => {
    await control('POST', 'faults', { action: 'DescribeRegions', kind: 'drop', count: 1 });
    const error = await failure(ec2.send(new DescribeRegionsCommand({})));
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(`${error.name} ${error.message} ${(error as { code?: string }).code ?? ''}`).toMatch(
      /socket hang up|ECONNRESET|aborted|closed/i,
    );
    await ec2.send(new DescribeRegionsCommand({}));
  });

  it("can lose the answer after moto acted: the client's retry then meets the name it already took", async () => {
    await control('POST', 'faults', {
      action: 'RegisterImage',
      kind: 'drop',
      when: 'after',
      count: 1,
    });
    const name = `fp-lost-${randomUUID().slice(0, 8)}`;
    await failure(ec2.send(new RegisterImageCommand({ Name: name })));
    const retry = await failure(ec2.send(new RegisterImageCommand({ Name: name })));
    expect(retry.name).toBe('InvalidAMIName.Duplicate');
  });

  it('adds latency', async () => {
    await control('POST', 'faults', {
      action: 'DescribeRegions',
      kind: 'latency',
      latencyMs: 300,
      count: 1,
    });
    const started = Date.now();
    await ec2.send(new DescribeRegionsCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('lists and removes rules', async () => {
    const { json } = await control<{ rules: Array<{ id: string }> }>('POST', 'faults', [
      { action: 'CreateImage', kind: 'internal-error' },
      { action: 'CopyImage', kind: 'unavailable', probability: 0.5 },
    ]);
    expect((await control<{ rules: unknown[] }>('GET', 'faults')).json.rules).toHaveLength(2);
    expect((await control('DELETE', `faults/${json.rules[0]?.id}`)).status).toBe(200);
    expect((await control<{ rules: unknown[] }>('GET', 'faults')).json.rules).toHaveLength(1);
    expect((await control<{ error: string }>('POST', 'faults', { kind: 'meltdown' })).status).toBe(
      400,
    );
  });
});

describe('control API and pass-through', () => {
  it('reports health with moto reachability', async () => {
    const { json } = await control<{ status: string; moto: { reachable: boolean } }>(
      'GET',
      'health',
    );
    expect(json).toMatchObject({ status: 'ok', moto: { reachable: true } });
  });

  it('passes SSM calls through untouched and counts them', async () => {
    await control('POST', 'counters/reset');
    const ssm = new SSMClient({
      endpoint: proxy.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    const { Parameter } = await ssm.send(
      new GetParameterCommand({
        Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      }),
    );
    ssm.destroy();
    expect(Parameter?.Value).toMatch(/^ami-/);
    const counters = (await control<CountersSnapshot>('GET', 'counters')).json;
    expect(counters.actions['ssm:GetParameter']).toMatchObject({ ok: 1, upstream: 1 });
  });

  it("resets the proxy's own state without touching moto when asked to", async () => {
    await control('POST', 'faults', { kind: 'unavailable' });
    await control('PUT', 'config', { throttle: 'on' });
    const { json } = await control<{ moto: string }>('POST', 'reset?moto=false');
    expect(json.moto).toBe('untouched');
    expect((await control<{ rules: unknown[] }>('GET', 'faults')).json.rules).toEqual([]);
    expect((await control<CountersSnapshot>('GET', 'counters')).json.totals.ok).toBe(0);
    // config is not state: it survives a reset
    expect((await control<{ throttle: boolean }>('GET', 'config')).json.throttle).toBe(true);
  });
});
