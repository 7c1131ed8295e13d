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
    const { topic, schema } = EventCatalog[type];
    // Validate on the way out too: a bug here must fail the transaction, not poison consumers.
    const parsed = schema.parse(data) as PayloadOf<T>;
    const envelope = createEnvelope(type, parsed, {
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
    await tx.query(
      `INSERT INTO "${this.schema}".outbox (event_id, topic, message_key, event_type, envelope)
       VALUES ($1, $2, $3, $4, $5)`,
      [envelope.id, topic, options.key, type, text],
    );
    await tx.query('SELECT pg_notify($1, $2)', [outboxChannel(this.schema), '']);
    return envelope;
  }
}
