import type { EntityManager } from 'typeorm';
import { CloudEvent, createEnvelope, EventCatalog, EventType, PayloadOf } from '@ami/contracts';
import { outboxChannel } from './messaging-tables.js';

export interface PublishOptions {
  /** Partition key; every event of one image family shares it so the family stays in order. */
  key: string;
  subject?: string;
  causedBy?: Pick<CloudEvent, 'id' | 'correlationid'>;
  correlationId?: string;
  id?: string;
}

/** One event to publish: its type, a payload of that type, and where it goes. */
export type OutgoingEvent = {
  [T in EventType]: { type: T; data: PayloadOf<T>; options: PublishOptions };
}[EventType];

export class MessageTooLargeError extends Error {
  constructor(type: string, bytes: number, max: number) {
    super(`event ${type} is ${bytes} bytes, over the ${max}-byte limit`);
    this.name = 'MessageTooLargeError';
  }
}

/**
 * Writes events into the service's outbox inside the caller's transaction: the state change
 * and its events commit together or not at all. The relay publishes them afterwards.
 */
export class EventPublisher {
  constructor(
    private readonly schema: string,
    private readonly source: string,
    private readonly maxMessageBytes = 900_000,
  ) {}

  async publish<T extends EventType>(
    tx: EntityManager,
    type: T,
    data: PayloadOf<T>,
    options: PublishOptions,
  ): Promise<CloudEvent<T, PayloadOf<T>>> {
    const [envelope] = await this.publishMany(tx, [{ type, data, options } as OutgoingEvent]);
    return envelope as CloudEvent<T, PayloadOf<T>>;
  }

  /** Several events in one statement, in order (their outbox positions follow the array). */
  async publishMany(tx: EntityManager, events: OutgoingEvent[]): Promise<CloudEvent[]> {
    const rows = events.map(({ type, data, options }) => {
      const { topic, schema } = EventCatalog[type];
      // Validate on the way out too: a bug here must fail the transaction, not poison consumers.
      const envelope = createEnvelope(type, schema.parse(data), {
        source: this.source,
        subject: options.subject ?? options.key,
        causedBy: options.causedBy,
        correlationId: options.correlationId,
        id: options.id,
      });
      const text = JSON.stringify(envelope);
      const bytes = Buffer.byteLength(text);
      if (bytes > this.maxMessageBytes)
        throw new MessageTooLargeError(type, bytes, this.maxMessageBytes);
      return { envelope, topic, key: options.key, type, text };
    });
    if (rows.length === 0) return [];
    await tx.query(
      `INSERT INTO "${this.schema}".outbox (event_id, topic, message_key, event_type, envelope)
       SELECT r.event_id, r.topic, r.message_key, r.event_type, r.envelope
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS r(event_id, topic, message_key, event_type, envelope, n)
       ORDER BY r.n`,
      [
        rows.map((r) => r.envelope.id),
        rows.map((r) => r.topic),
        rows.map((r) => r.key),
        rows.map((r) => r.type),
        rows.map((r) => r.text),
      ],
    );
    await this.wakeRelay(tx);
    return rows.map((r) => r.envelope);
  }

  /** One NOTIFY per transaction is enough: it is delivered at commit, for all the rows. */
  private async wakeRelay(tx: EntityManager): Promise<void> {
    const key = (tx.queryRunner ?? tx) as object;
    if (this.notified.has(key)) return;
    this.notified.add(key);
    await tx.query('SELECT pg_notify($1, $2)', [outboxChannel(this.schema), '']);
  }

  private readonly notified = new WeakSet<object>();
}
