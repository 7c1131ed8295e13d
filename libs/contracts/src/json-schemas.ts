import { z } from 'zod';
import { cloudEventSchema } from './envelope/cloud-event.js';
import { EventCatalog, EventType, eventTypesOn } from './event-catalog.js';
import { Topics } from './topics.js';
import { familySpecSchema } from './family-spec/family-spec.schema.js';

/** Topics whose message format is a public interface, published as JSON Schema files. */
export const PUBLIC_TOPICS = [Topics.RebuildRequests, Topics.Audit] as const;

/**
 * The JSON Schema (draft 2020-12) of one topic's messages: a CloudEvents 1.0 envelope whose
 * `type` is one of the topic's event types and whose `data` matches that type's payload.
 */
export function topicJsonSchema(topic: string): Record<string, unknown> {
  const variants = eventTypesOn(topic).map((type: EventType) =>
    cloudEventSchema.extend({
      type: z.literal(type),
      data: EventCatalog[type].schema as z.ZodType,
    }),
  );
  if (variants.length === 0) throw new Error(`no event types on topic ${topic}`);
  const schema =
    variants.length === 1
      ? variants[0]
      : z.union(variants as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  return {
    $id: `https://ami-factory.dev/schemas/${topic}.json`,
    title: `Messages on ${topic}`,
    description:
      'CloudEvents 1.0, keyed by image family, in structured mode (this document; content-type application/cloudevents+json, or none) or binary mode (the same attributes as ce_<name> Kafka headers, the value is data). Required: specversion, id, source, type, data; time, subject and datacontenttype (JSON) are optional. Extension attributes: correlationid (defaults to id), causationid.',
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }),
  };
}

/** The JSON Schema of an image family spec as a person writes it (YAML or JSON). */
export function familySpecJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://ami-factory.dev/schemas/family-spec.json',
    title: 'Image family spec',
    description:
      'An image family: source, build recipe, distribution, sharing and maintenance policy.',
    ...z.toJSONSchema(familySpecSchema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    }),
  };
}
