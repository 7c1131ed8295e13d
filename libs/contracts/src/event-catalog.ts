import { z } from 'zod';
import { AUDIT_RECORDED, auditRecordedSchema } from './events/audit-recorded/audit-recorded.event.js';
import { REBUILD_REQUESTED, rebuildRequestedSchema } from './events/rebuild-requested/rebuild-requested.event.js';
import { Topic, Topics } from './topics.js';

/**
 * The one registry of event types: each type's topic and payload schema. Publishing derives
 * the topic from the type and checks the payload's TypeScript type against the schema, so a
 * wrong payload or a wrong topic does not compile; consumers validate with the same schema.
 */
export const EventCatalog = {
  [REBUILD_REQUESTED]: { topic: Topics.RebuildRequests, schema: rebuildRequestedSchema },
  [AUDIT_RECORDED]: { topic: Topics.Audit, schema: auditRecordedSchema },
} as const satisfies Record<string, { topic: Topic; schema: z.ZodType }>;

export type EventType = keyof typeof EventCatalog;
export type PayloadOf<T extends EventType> = z.infer<(typeof EventCatalog)[T]['schema']>;
export type TopicOf<T extends EventType> = (typeof EventCatalog)[T]['topic'];

/** The event types carried by a topic. */
export type EventTypesOn<TTopic extends Topic> = {
  [K in EventType]: TopicOf<K> extends TTopic ? K : never;
}[EventType];

/** Topic -> the union of payloads it may carry. */
export type TopicPayloads = { [T in Topic]: PayloadOf<EventTypesOn<T>> };

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EventCatalog, type);
}

export function eventTypesOn(topic: string): EventType[] {
  return (Object.keys(EventCatalog) as EventType[]).filter((t) => EventCatalog[t].topic === topic);
}
