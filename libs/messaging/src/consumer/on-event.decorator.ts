import { EventPattern } from '@nestjs/microservices';
import type { EventType } from '@ami/contracts';

/**
 * Marks a method as the handler of one event type. The handler gets the validated
 * CloudEvent and an EventContext whose `tx` is the inbox transaction.
 */
export function OnEvent(type: EventType): MethodDecorator {
  return EventPattern<string>(type);
}
