import type { ExecutionContext } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';

/**
 * The gRPC metadata of the call, or undefined when the context is another RPC transport.
 * Nest's gRPC server calls each handler as (request, call.metadata, call), so for gRPC the
 * second argument is a grpc-js Metadata; a Kafka handler gets (event, EventContext) instead.
 * When a second copy of @grpc/grpc-js defeats instanceof, a Metadata-shaped object that is also
 * the third argument's `.metadata` is accepted.
 */
export function grpcMetadataOf(context: ExecutionContext): Metadata | undefined {
  const candidate: unknown = context.getArgByIndex(1);
  if (candidate instanceof Metadata) return candidate;
  const call: { metadata?: unknown } | undefined = context.getArgByIndex(2);
  if (
    typeof (candidate as Metadata | null)?.getMap === 'function' &&
    typeof call === 'object' &&
    call?.metadata === candidate
  ) {
    return candidate as Metadata;
  }
  return undefined;
}
