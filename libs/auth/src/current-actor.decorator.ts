import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from './actor.js';

/** Where the guard leaves the actor: on the Fastify request, or on the gRPC call's metadata. */
export const ACTOR = Symbol.for('ami.actor');

type Carrier = { [ACTOR]?: Actor; metadata?: { [ACTOR]?: Actor } };

export function attachActor(carrier: object, actor: Actor): void {
  (carrier as Carrier)[ACTOR] = actor;
}

/**
 * The authenticated actor of a call. Pass what the handler has: the gRPC metadata (a handler's
 * second argument), the gRPC call (its third), or the HTTP request. Throws when there is none:
 * the handler is @Public(), or AuthModule is not imported.
 */
export function actorFrom(carrier: object): Actor {
  const actor = (carrier as Carrier)[ACTOR] ?? (carrier as Carrier).metadata?.[ACTOR];
  if (actor === undefined) {
    throw new Error(
      'no authenticated actor on this call: is the handler @Public(), or AuthModule not imported?',
    );
  }
  return actor;
}

/** The authenticated actor, as a handler parameter (HTTP and gRPC). */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext) =>
  actorFrom(
    context.getType() === 'http'
      ? context.switchToHttp().getRequest()
      : context.switchToRpc().getContext(),
  ),
);
