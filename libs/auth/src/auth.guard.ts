import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Actor } from './actor.js';
import { AuthError } from './auth-error.js';
import { attachActor } from './current-actor.decorator.js';
import { grpcMetadataOf } from './grpc-call.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_ROLE } from './require-role.decorator.js';
import { roleSatisfies, type Role } from './roles.js';
import { TokenVerifier } from './token-verifier.js';

const MISSING_TOKEN = 'missing bearer token';

interface Credentials {
  token: string | undefined;
  malformed: boolean;
}
/** One call's transport: where the token comes from, where the actor goes, how to refuse. */
interface Transport {
  credentials(): Credentials;
  carrier: object;
  refuse(error: AuthError): Error;
}

/**
 * Authenticates every HTTP request and gRPC call (APP_GUARD), then checks the handler's role.
 * Other RPC transports (the Kafka event server) are not callers with tokens: they pass through.
 * A token seen before answers synchronously from the verifier's cache.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Handler -> least role, or null when public; read once per handler, not per call. */
  private readonly requirements = new WeakMap<Function, Role | null>();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const type = context.getType();
    // No websocket gateway is authenticated yet: refuse rather than let one through unchecked.
    if (type !== 'http' && type !== 'rpc') return false;
    const transport = type === 'http' ? httpTransport(context) : grpcTransport(context);
    if (transport === undefined) return true;
    const required = this.requirementOf(context);
    if (required === null) return true;
    const { token, malformed } = transport.credentials();
    if (token === undefined) {
      const message = malformed ? 'authorization is not a bearer token' : MISSING_TOKEN;
      throw transport.refuse(new AuthError('unauthenticated', message));
    }
    const actor = this.verifier.lookup(token);
    if (actor !== undefined) return this.admit(actor, required, transport);
    return this.verifier.verify(token).then(
      (verified) => this.admit(verified, required, transport),
      (error: unknown) => {
        throw error instanceof AuthError ? transport.refuse(error) : error;
      },
    );
  }

  private admit(actor: Actor, required: Role, transport: Transport): boolean {
    if (!roleSatisfies(actor.highestRole, required)) {
      const message = `requires role ${required}; you have ${actor.highestRole ?? 'no role'}`;
      throw transport.refuse(new AuthError('forbidden', message));
    }
    attachActor(transport.carrier, actor);
    return true;
  }

  private requirementOf(context: ExecutionContext): Role | null {
    const handler = context.getHandler();
    let required = this.requirements.get(handler);
    if (required === undefined) {
      required = this.resolveRequirement(handler, context.getClass());
      this.requirements.set(handler, required);
    }
    return required;
  }

  /** The method's own marks win over its controller's; the default is 'reader'. */
  private resolveRequirement(handler: Function, controller: Function): Role | null {
    for (const target of [handler, controller]) {
      if (this.reflector.get<boolean>(IS_PUBLIC, target)) return null;
      const role = this.reflector.get<Role | undefined>(REQUIRED_ROLE, target);
      if (role !== undefined) return role;
    }
    return 'reader';
  }
}

function httpTransport(context: ExecutionContext): Transport {
  const http = context.switchToHttp();
  const request = http.getRequest<{ headers: Record<string, string | string[] | undefined> }>();
  return {
    carrier: request,
    credentials: () => bearer(request.headers.authorization),
    refuse: (error) => {
      if (error.kind === 'unavailable') return new ServiceUnavailableException(error.message);
      const reply = http.getResponse<{ header(name: string, value: string): unknown }>();
      if (error.kind === 'forbidden') {
        reply.header('WWW-Authenticate', 'Bearer error="insufficient_scope"');
        return new ForbiddenException(error.message);
      }
      // RFC 6750: a request without credentials gets the bare challenge, a bad token the reason.
      const challenge =
        error.message === MISSING_TOKEN
          ? 'Bearer'
          : `Bearer error="invalid_token", error_description="${error.message}"`;
      reply.header('WWW-Authenticate', challenge);
      return new UnauthorizedException(error.message);
    },
  };
}

const GRPC_CODES = {
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  forbidden: GrpcStatus.PERMISSION_DENIED,
  unavailable: GrpcStatus.UNAVAILABLE,
} as const;

/** Undefined for RPC transports other than gRPC: Kafka events carry no caller token. */
function grpcTransport(context: ExecutionContext): Transport | undefined {
  const metadata = grpcMetadataOf(context);
  if (metadata === undefined) return undefined;
  return {
    carrier: metadata,
    credentials: () => bearer(metadata.get('authorization')[0]),
    // Nest's default RPC exception filter hands { code, message } to grpc-js as the call's status.
    refuse: (error) => new RpcException({ code: GRPC_CODES[error.kind], message: error.message }),
  };
}

function bearer(header: unknown): Credentials {
  if (header === undefined) return { token: undefined, malformed: false };
  const value = typeof header === 'string' ? header : Array.isArray(header) ? header[0] : undefined;
  if (
    typeof value !== 'string' ||
    value.length < 8 ||
    value.slice(0, 7).toLowerCase() !== 'bearer '
  ) {
    return { token: undefined, malformed: true };
  }
  const token = value.slice(7).trim();
  return token.length === 0 ? { token: undefined, malformed: true } : { token, malformed: false };
}
