import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Controller, Get } from '@nestjs/common';
import { GrpcMethod, Payload, Transport } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { HealthController, HealthRegistry, MetricsService } from '@ami/observability';
import type { Actor } from './actor.js';
import { authConfigSchema } from './auth-config.js';
import { AuthModule } from './auth.module.js';
import { actorFrom, CurrentActor } from './current-actor.decorator.js';
import { mintToken } from './mint-token.js';
import { Public } from './public.decorator.js';
import { RequireRole } from './require-role.decorator.js';
import type { Role } from './roles.js';

const SECRET = 'a-local-secret-of-at-least-32-chars!';
const PROTO = fileURLToPath(new URL('../test/fixtures/probe.proto', import.meta.url));

@Controller('probe')
class ProbeHttpController {
  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
  @Get('reader')
  read(@CurrentActor() actor: Actor) {
    return { actor: actor.name };
  }
  @RequireRole('operator')
  @Get('operator')
  operate(@CurrentActor() actor: Actor) {
    return { actor: actor.name };
  }
  @RequireRole('admin')
  @Get('admin')
  administer() {
    return { ok: true };
  }
}

@Controller()
class ProbeGrpcController {
  @Public()
  @GrpcMethod('Probe', 'Health')
  health(ping: { text: string }) {
    return { text: ping.text, actor: '' };
  }
  @GrpcMethod('Probe', 'Read')
  read(ping: { text: string }, metadata: grpc.Metadata) {
    return { text: ping.text, actor: actorFrom(metadata).name };
  }
  @RequireRole('operator')
  @GrpcMethod('Probe', 'Operate')
  operate(@Payload() ping: { text: string }, @CurrentActor() actor: Actor) {
    return { text: ping.text, actor: actor.name };
  }
}

const token = (roles: Role[], expiresIn = 300) =>
  mintToken({ subject: `user-${roles.join('-') || 'none'}`, roles, secret: SECRET, expiresIn });

const messageOf = async (response: Response) =>
  ((await response.json()) as { message: string }).message;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let app: NestFastifyApplication;
let base: string;
let probe: grpc.Client & Record<string, Function>;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [AuthModule.withConfig(authConfigSchema.parse({ AUTH_JWT_SECRET: SECRET }))],
    controllers: [ProbeHttpController, ProbeGrpcController, HealthController],
    providers: [
      HealthRegistry,
      { provide: MetricsService, useValue: { render: async () => '# none\n' } },
    ],
  }).compile();
  app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  const grpcUrl = `127.0.0.1:${await freePort()}`;
  // As the services run it: a hybrid app, the gRPC transport inheriting the global guard.
  app.connectMicroservice(
    {
      transport: Transport.GRPC,
      options: { package: 'authprobe', protoPath: PROTO, url: grpcUrl },
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
  const pkg = grpc.loadPackageDefinition(loadSync(PROTO)) as any;
  probe = new pkg.authprobe.Probe(grpcUrl, grpc.credentials.createInsecure());
});

afterAll(async () => {
  probe?.close();
  await app?.close();
});

describe('AuthGuard over HTTP (Fastify)', () => {
  const get = (path: string, bearer?: string) =>
    fetch(`${base}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  it('serves public routes and health without a token', async () => {
    expect((await get('/probe/public')).status).toBe(200);
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
  });

  it('answers 401 with a Bearer challenge when the token is missing', async () => {
    const response = await get('/probe/reader');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await messageOf(response)).toBe('missing bearer token');
  });

  it('answers 401 "token expired" for an expired token', async () => {
    const response = await get('/probe/reader', await token(['admin'], -120));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await messageOf(response)).toBe('token expired');
  });

  it('answers 401 for a token that is not a bearer token or is forged', async () => {
    const basic = await fetch(`${base}/probe/reader`, { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
    const forged = await mintToken({
      subject: 'm',
      roles: ['admin'],
      secret: 'x'.repeat(40),
      expiresIn: 60,
    });
    const response = await get('/probe/reader', forged);
    expect(response.status).toBe(401);
    expect(await messageOf(response)).toBe('token signature invalid');
  });

  it('answers 403 naming the role needed and the role held', async () => {
    const response = await get('/probe/operator', await token(['reader']));
    expect(response.status).toBe(403);
    expect(await messageOf(response)).toBe('requires role operator; you have reader');
    expect((await get('/probe/admin', await token(['operator']))).status).toBe(403);
    expect((await get('/probe/reader', await token([]))).status).toBe(403);
  });

  it('admits the right role and any higher one, with the actor', async () => {
    const operator = await token(['operator']);
    expect(await (await get('/probe/operator', operator)).json()).toEqual({
      actor: 'user-operator',
    });
    expect((await get('/probe/reader', operator)).status).toBe(200);
    // A second call with the same token is answered from the verifier's cache.
    expect((await get('/probe/reader', operator)).status).toBe(200);
    expect((await get('/probe/admin', await token(['admin']))).status).toBe(200);
    expect((await get('/probe/operator', await token(['admin']))).status).toBe(200);
  });
});

describe('AuthGuard over gRPC', () => {
  const call = (method: string, bearer?: string) =>
    new Promise<{ text: string; actor: string }>((resolve, reject) => {
      const metadata = new grpc.Metadata();
      if (bearer) metadata.set('authorization', `Bearer ${bearer}`);
      probe[method]!({ text: 'hi' }, metadata, (error: grpc.ServiceError | null, reply: any) =>
        error ? reject(error) : resolve(reply),
      );
    });

  it('serves a public method without a token', async () => {
    await expect(call('Health')).resolves.toEqual({ text: 'hi', actor: '' });
  });

  it('refuses a call without a token as UNAUTHENTICATED', async () => {
    await expect(call('Read')).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: 'missing bearer token',
    });
  });

  it('refuses an expired token as UNAUTHENTICATED', async () => {
    await expect(call('Read', await token(['admin'], -120))).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: 'token expired',
    });
  });

  it('refuses a role too low as PERMISSION_DENIED', async () => {
    await expect(call('Operate', await token(['reader']))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: 'requires role operator; you have reader',
    });
  });

  it('admits the right role and hands the actor to the handler', async () => {
    await expect(call('Operate', await token(['operator']))).resolves.toEqual({
      text: 'hi',
      actor: 'user-operator',
    });
    await expect(call('Read', await token(['admin']))).resolves.toEqual({
      text: 'hi',
      actor: 'user-admin',
    });
  });
});
