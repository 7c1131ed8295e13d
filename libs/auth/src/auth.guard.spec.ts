import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { RpcException } from '@nestjs/microservices';
import { Metadata, status } from '@grpc/grpc-js';
import { EventContext } from '@ami/messaging';
import { authConfigSchema } from './auth-config.js';
import { AuthGuard } from './auth.guard.js';
import { actorFrom } from './current-actor.decorator.js';
import { mintToken } from './mint-token.js';
import { RequireRole } from './require-role.decorator.js';
import { TokenVerifier } from './token-verifier.js';

const SECRET = 'a-local-secret-of-at-least-32-chars!';

class Handlers {
  @RequireRole('admin')
  purge() {}
}

function rpcContext(args: unknown[]) {
  const context = new ExecutionContextHost(args, Handlers, Handlers.prototype.purge);
  context.setType('rpc');
  return context;
}

describe('AuthGuard on RPC transports', () => {
  const guard = new AuthGuard(
    new Reflector(),
    new TokenVerifier(authConfigSchema.parse({ AUTH_JWT_SECRET: SECRET })),
  );

  it('lets a Kafka event through without a token: events are not callers', async () => {
    const event = new EventContext({
      topic: 'ami.builds.v1',
      partition: 0,
      offset: '7',
      key: null,
      attempt: 1,
      tx: {} as never,
    });
    expect(await guard.canActivate(rpcContext([{ type: 'build.requested' }, event]))).toBe(true);
  });

  it('authenticates a gRPC call from its metadata and leaves the actor on it', async () => {
    const metadata = new Metadata();
    metadata.set(
      'authorization',
      `Bearer ${await mintToken({ subject: 'ci', roles: ['admin'], secret: SECRET, expiresIn: 60 })}`,
    );
    expect(await guard.canActivate(rpcContext([{}, metadata, { metadata }]))).toBe(true);
    expect(actorFrom(metadata)).toMatchObject({ subject: 'ci', highestRole: 'admin' });
  });

  it('refuses a gRPC call without a token as UNAUTHENTICATED', () => {
    const metadata = new Metadata();
    let refusal: unknown;
    try {
      guard.canActivate(rpcContext([{}, metadata, { metadata }]));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RpcException);
    expect((refusal as RpcException).getError()).toEqual({
      code: status.UNAUTHENTICATED,
      message: 'missing bearer token',
    });
  });
});
