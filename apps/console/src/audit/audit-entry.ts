import type { KafkaMessage } from 'kafkajs';
import { auditRecordedSchema, type AuditRecorded } from '@ami/contracts';
import { headerValue } from '@ami/messaging';

/** One audit event as the console shows it: the CloudEvents envelope's facts and its data. */
export interface AuditEntry extends AuditRecorded {
  id: string;
  time: string | null;
  source: string;
  family: string;
  partition: number;
  offset: string;
}

export interface AuditFilter {
  family?: string;
  action?: string;
}

/**
 * Reads an ami.audit.v1 message in structured mode (the JSON event as the value) or binary
 * mode (ce_* headers, the value is the data); undefined when it is not an audit entry.
 */
export function auditEntryOf(message: KafkaMessage, partition: number): AuditEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    return undefined;
  }
  const binaryType = headerValue(message.headers, 'ce_type');
  const envelope = (
    binaryType
      ? {
          id: headerValue(message.headers, 'ce_id'),
          source: headerValue(message.headers, 'ce_source'),
          time: headerValue(message.headers, 'ce_time'),
          data: value,
        }
      : value
  ) as { id?: unknown; source?: unknown; time?: unknown; data?: unknown } | null;
  const data = auditRecordedSchema.safeParse(envelope?.data);
  if (!data.success || typeof envelope?.id !== 'string') return undefined;
  return {
    ...data.data,
    id: envelope.id,
    time: typeof envelope.time === 'string' ? envelope.time : null,
    source: typeof envelope.source === 'string' ? envelope.source : '',
    family: data.data.subject.family,
    partition,
    offset: message.offset,
  };
}

/** An action filter ending in `*` matches by prefix (`channel.*`), otherwise exactly. */
export function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.family && entry.family !== filter.family) return false;
  if (!filter.action) return true;
  return filter.action.endsWith('*')
    ? entry.action.startsWith(filter.action.slice(0, -1))
    : entry.action === filter.action;
}
