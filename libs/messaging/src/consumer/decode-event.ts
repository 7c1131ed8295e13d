import { z } from 'zod';
import type { IHeaders } from 'kafkajs';
import {
  CloudEvent,
  cloudEventSchema,
  EventCatalog,
  isEventType,
  normaliseEnvelope,
} from '@ami/contracts';
import type { DeadLetterKind } from '../dead-letter/dead-letter.js';
import { eventSourceOf, topicOwner } from '../bus/bus-principals.js';
import { headerValue } from '../kafka/headers.js';

/**
 * What the edge made of a message: an event to apply, a message to dead-letter (with why), or
 * an event type this build does not know, skipped (a newer producer during a rolling deploy).
 */
export type Decoded =
  | { ok: true; event: CloudEvent }
  | { ok: false; kind: DeadLetterKind; reason: string }
  | { ok: 'skip'; type: string };

export interface RawMessage {
  value: Buffer | null;
  headers?: IHeaders;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** CloudEvents attributes in binary mode (Kafka protocol binding): `ce_<name>` headers. */
const BINARY_ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'dataschema',
  'correlationid',
  'causationid',
] as const;

type Parsed = { ok: true; json: unknown } | { ok: false; kind: DeadLetterKind; reason: string };

function parseJson(value: Buffer, what: string): Parsed {
  try {
    return { ok: true, json: JSON.parse(value.toString('utf8')) };
  } catch (error) {
    return {
      ok: false,
      kind: 'malformed-json',
      reason: `${what} not JSON: ${(error as Error).message}`,
    };
  }
}

/**
 * The envelope as JSON, from either content mode of the CloudEvents Kafka binding: binary (the
 * attributes in `ce_*` headers, content-type = datacontenttype, the value is the data) or
 * structured (the value is the whole event; content-type application/cloudevents+json, or no
 * header at all, as plain producers send it).
 */
function envelopeOf(message: RawMessage): Parsed {
  const contentType = headerValue(message.headers, 'content-type');
  if (contentType?.toLowerCase().startsWith('application/cloudevents-batch'))
    return {
      ok: false,
      kind: 'invalid-envelope',
      reason: 'CloudEvents batch mode is not accepted',
    };
  const binary =
    headerValue(message.headers, 'ce_specversion') !== undefined &&
    !contentType?.toLowerCase().startsWith('application/cloudevents');
  if (!binary) return parseJson(message.value!, 'message is');
  const data = parseJson(message.value!, 'binary-mode data is');
  if (!data.ok) return data;
  const envelope: Record<string, unknown> = { data: data.json };
  for (const name of BINARY_ATTRIBUTES) {
    const value = headerValue(message.headers, `ce_${name}`);
    if (value !== undefined) envelope[name] = value;
  }
  if (contentType !== undefined) envelope.datacontenttype = contentType;
  return { ok: true, json: envelope };
}

/**
 * Validates a raw Kafka message at the edge: size, JSON, CloudEvents envelope (structured or
 * binary mode), that a fact comes from the service owning its topic, known type on the right
 * topic, payload schema. Anything that fails says exactly why.
 */
export function decodeEvent(topic: string, message: RawMessage, maxBytes: number): Decoded {
  const { value } = message;
  if (value === null || value.length === 0)
    return { ok: false, kind: 'malformed-json', reason: 'empty message value' };
  if (value.length > maxBytes) {
    return {
      ok: false,
      kind: 'oversized',
      reason: `message is ${value.length} bytes, over the ${maxBytes}-byte limit`,
    };
  }
  const json = envelopeOf(message);
  if (!json.ok) return json;
  const envelope = cloudEventSchema.safeParse(json.json);
  if (!envelope.success) {
    return {
      ok: false,
      kind: 'invalid-envelope',
      reason: `not a CloudEvents 1.0 envelope: ${describeIssues(envelope.error)}`,
    };
  }
  const { type, source } = envelope.data;
  // The second guard, behind the ACLs: a fact counts only from the service that owns its topic.
  const owner = topicOwner(topic);
  if (owner && source !== eventSourceOf(owner)) {
    return {
      ok: false,
      kind: 'wrong-source',
      reason: `source "${source}" may not publish on ${topic}: only ${eventSourceOf(owner)} does`,
    };
  }
  // Tolerant reader: a type this build does not know yet is counted and skipped, not dead-lettered.
  if (!isEventType(type)) return { ok: 'skip', type };
  const entry = EventCatalog[type];
  if (entry.topic !== topic) {
    return {
      ok: false,
      kind: 'unknown-event-type',
      reason: `event type "${type}" belongs on ${entry.topic}, not ${topic}`,
    };
  }
  const payload = entry.schema.safeParse(envelope.data.data);
  if (!payload.success) {
    return {
      ok: false,
      kind: 'invalid-payload',
      reason: `invalid ${type} payload: ${describeIssues(payload.error)}`,
    };
  }
  return { ok: true, event: { ...normaliseEnvelope(envelope.data), data: payload.data } };
}
