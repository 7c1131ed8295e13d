import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * CloudEvents 1.0 with two extension attributes: correlationid (the whole causal chain shares
 * it) and causationid (the event that caused this one). Extension names must be lowercase
 * alphanumerics per the spec.
 *
 * What a producer must send is what CloudEvents requires and no more: specversion, id, source,
 * type (and, for our events, data). time, subject and datacontenttype are optional;
 * correlationid defaults to the event's own id. Unknown extension attributes are allowed (the
 * spec lets any producer add its own) and dropped. Our own events always carry every field.
 */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().min(1).optional(),
  time: z.iso.datetime({ offset: true }).optional(),
  /** Our payloads are JSON: absent means JSON (the spec's default for structured mode). */
  datacontenttype: z
    .string()
    .regex(/^application\/(?:[\w.+-]+\+)?json(?:\s*;.*)?$/i, 'must be application/json')
    .optional(),
  dataschema: z.string().min(1).optional(),
  correlationid: z.string().min(1).optional(),
  causationid: z.string().min(1).optional(),
  data: z.unknown(),
});

/** An event as consumers see it: correlationid is always set (it defaults to id). */
export interface CloudEvent<TType extends string = string, TData = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: TType;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  correlationid: string;
  causationid?: string;
  data: TData;
}

/** Fills what a minimal CloudEvent may leave out and consumers rely on. */
export function normaliseEnvelope(parsed: z.infer<typeof cloudEventSchema>): CloudEvent {
  return {
    specversion: parsed.specversion,
    id: parsed.id,
    source: parsed.source,
    type: parsed.type,
    ...(parsed.subject !== undefined && { subject: parsed.subject }),
    ...(parsed.time !== undefined && { time: parsed.time }),
    ...(parsed.datacontenttype !== undefined && { datacontenttype: parsed.datacontenttype }),
    correlationid: parsed.correlationid ?? parsed.id,
    ...(parsed.causationid !== undefined && { causationid: parsed.causationid }),
    data: parsed.data,
  };
}

export interface EnvelopeOptions {
  source: string;
  subject?: string;
  /** The event that caused this one: its id becomes causationid and its correlationid is kept. */
  causedBy?: Pick<CloudEvent, 'id' | 'correlationid'>;
  correlationId?: string;
  id?: string;
  time?: Date;
}

/** Our own events: every attribute set, so any reader finds time, subject and content type. */
export function createEnvelope<TType extends string, TData>(
  type: TType,
  data: TData,
  options: EnvelopeOptions,
): CloudEvent<TType, TData> & { time: string; datacontenttype: 'application/json' } {
  const id = options.id ?? randomUUID();
  return {
    specversion: '1.0',
    id,
    source: options.source,
    type,
    subject: options.subject,
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    correlationid: options.causedBy?.correlationid ?? options.correlationId ?? id,
    causationid: options.causedBy?.id,
    data,
  };
}
