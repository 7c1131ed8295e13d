import type { EntityManager } from 'typeorm';
import { BaseRpcContext } from '@nestjs/microservices';

export interface EventContextArgs {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  attempt: number;
  /** The transaction the inbox opened: write the effect through it. */
  tx: EntityManager;
}

/** What a Kafka event handler gets beside the event: where it came from and its transaction. */
export class EventContext extends BaseRpcContext<[EventContextArgs]> {
  constructor(args: EventContextArgs) {
    super([args]);
  }
  get tx(): EntityManager {
    return this.args[0].tx;
  }
  get topic(): string {
    return this.args[0].topic;
  }
  get partition(): number {
    return this.args[0].partition;
  }
  get offset(): string {
    return this.args[0].offset;
  }
  get attempt(): number {
    return this.args[0].attempt;
  }
}

/** Thrown by a handler when retrying cannot help: the message goes to the DLQ at once. */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEventError';
  }
}
