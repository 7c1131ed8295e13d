// What an EC2 action handler gets: the parsed call, a way to pass it (or a changed copy)
// on to moto, and the proxy's collaborators.
import type { Ec2Call, Params } from './ec2-request.js';
import type { MotoClient } from './moto-client.js';
import type { NameUniqueness } from './name-uniqueness.js';
import type { Ec2Response } from './responses.js';
import type { FidelityState } from './state.js';

export interface Ec2Exchange {
  call: Ec2Call;
  /** Sends the call to moto as the client sent it, or with the given parameters instead. */
  forward(params?: Params): Promise<Ec2Response>;
}

export interface HandlerDeps {
  state: FidelityState;
  moto: MotoClient;
  names: NameUniqueness;
}

/** A handler's answer; `replayed` marks a ClientToken replay. */
export type HandlerResult = Ec2Response & { replayed?: boolean };

export type Ec2Handler = (exchange: Ec2Exchange, deps: HandlerDeps) => Promise<HandlerResult>;
