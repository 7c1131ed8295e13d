import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * CloudEvents 1.0, structured JSON mode, with two extension attributes:
 * correlationid (the whole causal chain shares it) and causationid (the event that caused
 * this one). Extension names must be lowercase alphanumerics per the spec.
 */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().min(1).optional(),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  correlationid: z.string().min(1),
  causationid: z.string().min(1).optional(),
  data: z.unknown(),
});

export interface CloudEvent<TType extends string = string, TData = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: TType;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  correlationid: string;
  causationid?: string;
  data: TData;
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

export function createEnvelope<TType extends string, TData>(
  type: TType,
  data: TData,
  options: EnvelopeOptions,
): CloudEvent<TType, TData> {
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
