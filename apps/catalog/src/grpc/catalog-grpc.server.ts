import type { Metadata, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { ServerGrpc } from '@nestjs/microservices';
import { FAMILY_NAME } from '@ami/contracts';
import { roleSatisfies, type TokenVerifier } from '@ami/auth';
import type { Resolved, ResolveService } from '../resolve/resolve.service.js';

const CHANNEL = /^[a-z0-9][a-z0-9-]{0,31}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

type ResolveCall = ServerUnaryCall<{ family: string; channel: string; region: string }, Resolved>;
type UnaryMethod = (call: ResolveCall, callback: sendUnaryData<Resolved>) => unknown;

/** What the fast ResolveImage needs, looked up once the app's providers exist. */
export interface ResolveFastDeps {
  resolver: ResolveService;
  verifier: TokenVerifier;
}

/**
 * Nest's gRPC server with ResolveImage served ahead of Nest's per-call pipeline (guards, pipes,
 * the zod parse, rxjs, interceptors' hooks) when the call is the common case: valid fields, a
 * bearer token the guard verified before (cached, reader or better) and an answer in the
 * resolve cache. Every other call goes through Nest's handler unchanged, so refusals, errors
 * and their status codes are exactly those of CatalogGrpcController.
 */
export class CatalogGrpcServer extends ServerGrpc {
  private deps?: ResolveFastDeps;

  /** Called once the app is built; until then every call takes Nest's path. */
  useFastResolve(deps: () => ResolveFastDeps): this {
    this.lookup = deps;
    return this;
  }

  private lookup?: () => ResolveFastDeps;

  override async createService(grpcService: any, name: string): Promise<{}> {
    const service = (await super.createService(grpcService, name)) as Record<string, UnaryMethod>;
    const nest = service.ResolveImage;
    if (name === 'CatalogService' && typeof nest === 'function') {
      service.ResolveImage = (call, callback) => {
        const answer = this.fastAnswer(call);
        if (answer === undefined) return nest(call, callback);
        callback(null, answer);
      };
    }
    return service;
  }

  private fastAnswer(call: ResolveCall): Resolved | undefined {
    this.deps ??= this.lookup?.();
    if (this.deps === undefined) return undefined;
    const { family, region } = call.request;
    const channel = call.request.channel || 'prod';
    if (!FAMILY_NAME.test(family) || !CHANNEL.test(channel) || !REGION.test(region))
      return undefined;
    if (!this.admitted(call.metadata)) return undefined;
    return this.deps.resolver.cachedAnswer(family, channel, region)?.value;
  }

  private admitted(metadata: Metadata): boolean {
    const values = metadata.get('authorization');
    if (values.length === 0) return false;
    const header = values[0];
    if (typeof header !== 'string' || header.length < 8) return false;
    if (header.slice(0, 7).toLowerCase() !== 'bearer ') return false;
    const token = header.slice(7).trim();
    if (token.length === 0) return false;
    const actor = this.deps!.verifier.lookup(token);
    return actor !== undefined && roleSatisfies(actor.highestRole, 'reader');
  }
}
