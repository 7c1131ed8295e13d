import { z } from 'zod';
import { CloudEvent, cloudEventSchema, EventCatalog, isEventType } from '@ami/contracts';
import type { DeadLetterKind } from '../dead-letter/dead-letter.js';

export type Decoded =
  { ok: true; event: CloudEvent } | { ok: false; kind: DeadLetterKind; reason: string };

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * Validates a raw Kafka value at the edge: size, JSON, CloudEvents envelope, known type on
 * the right topic, payload schema. Anything that fails says exactly why.
 */
export function decodeEvent(topic: string, value: Buffer | null, maxBytes: number): Decoded {
  if (value === null || value.length === 0)
    return { ok: false, kind: 'malformed-json', reason: 'empty message value' };
  if (value.length > maxBytes) {
    return {
      ok: false,
      kind: 'oversized',
      reason: `message is ${value.length} bytes, over the ${maxBytes}-byte limit`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, kind: 'malformed-json', reason: `not JSON: ${(error as Error).message}` };
  }
  const envelope = cloudEventSchema.safeParse(json);
  if (!envelope.success) {
    return {
      ok: false,
      kind: 'invalid-envelope',
      reason: `not a CloudEvents 1.0 envelope: ${describeIssues(envelope.error)}`,
    };
  }
  const { type } = envelope.data;
  if (!isEventType(type))
    return { ok: false, kind: 'unknown-event-type', reason: `unknown event type "${type}"` };
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
  return { ok: true, event: { ...(envelope.data as CloudEvent), data: payload.data } };
}
