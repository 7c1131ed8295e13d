import { hash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

export interface InboxEntry {
  consumer: string;
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Applies an event's effect at most once per consumer: the event id is recorded in the same
 * transaction as the effect, so a redelivered event finds its id and does nothing.
 */
export class Inbox {
  private readonly recordManySql: string;
  /** Prepared once per connection under this name (one per schema: the text names it). */
  private readonly recordManyName: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    this.recordManySql = `INSERT INTO "${schema}".inbox (consumer, event_id, topic, kafka_partition, kafka_offset)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[])
       ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`;
    this.recordManyName = `ami_inbox_many_${hash('sha256', schema, 'hex').slice(0, 16)}`;
  }

  /** Returns false when the event had already been processed (the effect was not run again). */
  async processOnce(
    entry: InboxEntry,
    effect: (tx: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      if (!(await this.record(tx, entry))) return false;
      await effect(tx);
      return true;
    });
  }

  /** Records the event id in the caller's transaction; false if it was already there. */
  async record(tx: EntityManager, entry: InboxEntry): Promise<boolean> {
    const inserted: unknown[] = await tx.query(
      `INSERT INTO "${this.schema}".inbox (consumer, event_id, topic, kafka_partition, kafka_offset)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`,
      [entry.consumer, entry.eventId, entry.topic, entry.partition, entry.offset],
    );
    return inserted.length > 0;
  }

  /**
   * Records many event ids in one statement; returns the ids that were new. The statement is a
   * prepared one on the transaction's own connection (parsed and planned once per connection,
   * not once per batch); through the ORM when the transaction has no pg connection to use.
   */
  async recordMany(tx: EntityManager, entries: InboxEntry[]): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const values = [
      entries.map((e) => e.consumer),
      entries.map((e) => e.eventId),
      entries.map((e) => e.topic),
      entries.map((e) => e.partition),
      entries.map((e) => e.offset),
    ];
    const connection = tx.queryRunner?.connection === this.dataSource ? pgClientOf(tx) : undefined;
    const rows: Array<{ event_id: string }> = connection
      ? (await connection.query({ name: this.recordManyName, text: this.recordManySql, values }))
          .rows
      : await tx.query(this.recordManySql, values);
    return new Set(rows.map((r) => r.event_id));
  }
}

interface PgClient {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Array<{ event_id: string }> }>;
}

/** The node-postgres client a TypeORM transaction runs on, when it is one. */
function pgClientOf(tx: EntityManager): PgClient | undefined {
  const connection = (tx.queryRunner as { databaseConnection?: unknown } | undefined)
    ?.databaseConnection as Partial<PgClient> | undefined;
  return typeof connection?.query === 'function' ? (connection as PgClient) : undefined;
}
