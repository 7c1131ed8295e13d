import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { mintToken, type Role } from '@ami/auth';
import { allBusTopics } from '@ami/messaging';
import {
  collect,
  eventually,
  freePort,
  type ServiceProcess,
  startServiceProcess,
  testEnv,
  testKafka,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { callRpc, rpcsOf } from './operations.js';

const NAMES = ['catalog', 'builder', 'replicator', 'permissions', 'maintenance-scanner'];
const mark = (what: string) => `${what}-${randomBytes(20).toString('hex')}`;

/**
 * No secret a service is given, and no bearer token it is shown, ever reaches its log or an
 * event on the bus: the services run as processes at the most verbose log level with
 * distinctive secrets, are driven through successes and failures (bad tokens, refused roles,
 * invalid bodies, a broker that refuses the password), and their whole output and every
 * message on the platform's topics meanwhile are searched for each secret.
 */
describe('no secret in any log or event', () => {
  const jwtSecret = mark('jwt-secret');
  const awsSecret = mark('aws-secret');
  const wrongKafkaPassword = mark('kafka-password');
  const services: ServiceProcess[] = [];
  const grpcPorts = new Map<string, number>();
  let refusedByBroker: ServiceProcess;
  let bus: Awaited<ReturnType<typeof collect>>;
  const tokens: string[] = [];

  const token = async (role: Role, options: { secret?: string; expiresIn?: number } = {}) => {
    const jwt = await mintToken({
      subject: `secrets-${role}`,
      roles: [role],
      secret: options.secret ?? jwtSecret,
      expiresIn: options.expiresIn ?? 600,
    });
    tokens.push(jwt);
    return jwt;
  };

  beforeAll(async () => {
    const common = {
      LOG_LEVEL: 'debug',
      AUTH_JWT_SECRET: jwtSecret,
      AWS_SECRET_ACCESS_KEY: awsSecret,
    };
    const starting = NAMES.map(async (name) => {
      const grpcPort = await freePort();
      grpcPorts.set(name, grpcPort);
      return startServiceProcess(name, {
        ...common,
        GRPC_PORT: String(grpcPort),
        BUILD_WORKER_ENABLED: 'false',
      });
    });
    // A service whose broker password is wrong: it fails to start, and says why.
    const refused = startServiceProcess('replicator', {
      ...common,
      KAFKA_SASL_PASSWORD: wrongKafkaPassword,
    });
    bus = await collect(testKafka('secrets-collector'), allBusTopics());
    services.push(...(await Promise.all(starting)));
    refusedByBroker = await refused;
    // six processes boot at once: on a busy machine that takes longer than one alone
    await Promise.all(services.map((s) => waitReady(s, 100_000)));
  });
  afterAll(async () => {
    await bus?.stop();
    await Promise.all([...services, refusedByBroker].map((s) => s?.stop()));
  });

  const http = async (
    service: ServiceProcess,
    method: string,
    path: string,
    authorization?: string,
    body?: unknown,
  ) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  };

  it('finds none of them in the output of any service, nor on the bus', async () => {
    const admin = `Bearer ${await token('admin')}`;
    const reader = `Bearer ${await token('reader')}`;
    const forged = `Bearer ${await token('admin', { secret: mark('forged-secret') })}`;
    const expired = `Bearer ${await token('admin', { expiresIn: -3600 })}`;
    const [catalog, builder, replicator, permissions, scanner] = services as [
      ServiceProcess,
      ServiceProcess,
      ServiceProcess,
      ServiceProcess,
      ServiceProcess,
    ];
    const family = uniqueName('secrets');
    const spec = {
      name: family,
      owner: 'platform',
      source: { amiId: 'ami-0abc12345678' },
      distribution: { regions: ['us-east-1'] },
    };
    // successes that write events, and errors of every kind
    expect(await http(catalog, 'POST', '/v1/specs', admin, spec)).toBe(201);
    expect(
      await http(catalog, 'POST', '/v1/specs', admin, { name: 'Not A Name', password: 'x' }),
    ).toBe(400);
    expect(await http(catalog, 'GET', `/v1/families/${family}`, reader)).toBe(200);
    expect(await http(catalog, 'PUT', `/v1/families/${family}/spec`, reader, spec)).toBe(403);
    expect(await http(replicator, 'POST', '/v1/targets/reconcile', admin, {})).toBeLessThan(300);
    expect(
      await http(builder, 'GET', '/v1/builds/00000000-0000-4000-8000-000000000000', admin),
    ).toBe(404);
    expect(
      await http(permissions, 'GET', `/v1/families/${family}/permissions`, reader),
    ).toBeLessThan(500);
    expect(await http(scanner, 'GET', '/v1/maintenance/findings', reader)).toBe(200);
    for (const s of services) {
      expect(await http(s, 'GET', '/health/ready')).toBe(200);
      for (const bad of [
        forged,
        expired,
        'Bearer not-a-token',
        `Basic ${Buffer.from(`admin:${jwtSecret}`).toString('base64')}`,
      ])
        expect(await http(s, 'POST', '/v1/anything', bad, {})).toBeGreaterThanOrEqual(400);
      const read = rpcsOf(s.name).find((r) => /^(List|Get)/.test(r.name))!;
      const client = new grpc.Client(
        `127.0.0.1:${grpcPorts.get(s.name)}`,
        grpc.credentials.createInsecure(),
      );
      expect((await callRpc(client, read, admin)).code).not.toBe(grpc.status.UNAUTHENTICATED);
      expect((await callRpc(client, read, forged)).code).toBe(grpc.status.UNAUTHENTICATED);
      client.close();
    }
    // the spec's events reached the bus while it was read, so the bus search below has matter
    await bus.waitFor((m) => m.some((x) => x.message.value?.toString().includes(family)), 20_000);
    // it gives up on its own: the broker's refusal is not retried
    await eventually(
      () => refusedByBroker.child.exitCode !== null,
      60_000,
      'the refused replicator to exit',
    );
    expect(refusedByBroker.child.exitCode).toBe(1);
    expect(refusedByBroker.output()).toMatch(/SASL SCRAM SHA512 authentication failed/);
    await Promise.all(services.map((s) => s.stop()));

    const env = testEnv();
    const secrets = new Map<string, string>([
      ['AUTH_JWT_SECRET', jwtSecret],
      ['AWS_SECRET_ACCESS_KEY', awsSecret],
      ['the wrong KAFKA_SASL_PASSWORD', wrongKafkaPassword],
      ...NAMES.flatMap((name): Array<[string, string]> => {
        const schema = name.replace(/-/g, '_');
        return [
          [
            `${name} DB_PASSWORD`,
            process.env[`${schema.toUpperCase()}_DB_PASSWORD`] ?? `${schema}-local-dev`,
          ],
          [`${name} KAFKA_SASL_PASSWORD`, env.kafkaPassword(`ami-${name}`)],
        ];
      }),
      // every other secret the processes inherit from this environment
      ...Object.entries(process.env)
        .filter(([key, value]) => /PASSWORD|SECRET/.test(key) && value && value.length >= 8)
        .map(([key, value]): [string, string] => [key, value!]),
      ...tokens.flatMap((jwt, i): Array<[string, string]> => [
        [`bearer token ${i}`, jwt],
        [`signature of bearer token ${i}`, jwt.split('.')[2]!],
      ]),
    ]);
    const outputs = [...services, refusedByBroker].map((s) => ({
      where: `${s.name} output`,
      text: s.output(),
    }));
    const events = bus.messages.map((m) => ({
      where: `${m.topic} message`,
      text: [m.message.key, m.message.value, ...Object.values(m.message.headers ?? {})]
        .map(String)
        .join(' '),
    }));
    // the search has matter: the processes logged at debug, and the bus carried the spec's events
    expect(outputs.every((o) => o.text.length > 1000)).toBe(true);
    expect(events.length).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const { where, text } of [...outputs, ...events])
      for (const [name, value] of secrets)
        if (text.includes(value)) leaks.push(`${name} in ${where}`);
    expect([...new Set(leaks)]).toEqual([]);
  });
});
