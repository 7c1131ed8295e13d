import { createIdempotentProducer } from '../kafka/kafka-client.js';
import { Client, ClientConfig } from 'pg';
import { CompressionTypes, Kafka, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import { outboxChannel } from './messaging-tables.js';

export interface OutboxRelayOptions {
  schema: string;
  database: ClientConfig;
  kafka: Kafka;
  logger: Logger;
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (a commit from another process, a lost notification). */
  pollIntervalMs?: number;
  /** How often a standby replica tries to become the relay. */
  standbyIntervalMs?: number;
  /** Published rows older than this are deleted. */
  retentionMs?: number;
  /**
   * Bytes of envelopes sent in one batch, at most: below the broker's max.message.bytes, so no
   * partition's record batch can be refused for its size.
   */
  maxBatchBytes?: number;
  /** A row larger than this is set aside without trying (the consumers' limit too). */
  maxMessageBytes?: number;
  /** Inbox rows older than this are deleted (longer than the topics' retention: see config). */
  inboxRetentionMs?: number;
  onPublished?: (count: number, topics: string[]) => void;
  /** A row the broker cannot take, set aside so the rows behind it flow. */
  onSetAside?: (row: {
    position: string;
    topic: string;
    eventType: string;
    reason: string;
  }) => void;
}

interface OutboxRow {
  position: string;
  topic: string;
  message_key: string;
  event_type: string;
  envelope: string;
  bytes: number;
}

/** Broker answers that no retry can change: the row itself is the problem. */
function isUnpublishable(error: unknown): boolean {
  for (let e = error as any; e; e = e.cause ?? e.originalError) {
    if (e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError')
      return false;
    if (e.name === 'KafkaJSProtocolError' && e.retriable === false) return true;
    if (e.name === 'KafkaJSNonRetriableError' && !(e.cause ?? e.originalError)) return true;
  }
  return false;
}

/**
 * Publishes the outbox in commit order. Only one replica of a service relays at a time: it
 * holds a PostgreSQL advisory lock on a dedicated connection, so two relays never interleave
 * one family's events; if it dies its connection closes, the lock goes, a standby takes over.
 * A crash between "sent" and "marked" re-sends the batch on restart: at least once, and the
 * consumers' inbox turns that into effectively once. A database outage in that moment does not:
 * the relay remembers what it sent and marks it once the database is back (unless another
 * replica took the lead meanwhile, which sends it again).
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private client?: Client;
  private producer?: Producer;
  private wake?: () => void;
  /** A NOTIFY came while the relay was busy: its rows may be behind the last read, so no pause. */
  private wakePending = false;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly standbyIntervalMs: number;
  private readonly retentionMs: number;
  private readonly maxBatchBytes: number;
  private readonly maxMessageBytes: number;
  private readonly inboxRetentionMs: number;
  private lastCleanup = 0;
  /** Positions sent to Kafka whose marking did not commit (the database went away in between). */
  private readonly sentUnmarked = new Set<string>();
  /** The batch sent last, marked published while the next one is sent (see relayBatch). */
  private sentLast?: OutboxRow[];
  /** The rows after the batch sent last, read while it was sent. */
  private readAhead?: Promise<{ rows: OutboxRow[] }>;
  isLeader = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 1000;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.standbyIntervalMs = options.standbyIntervalMs ?? 1000;
    this.retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.maxBatchBytes = options.maxBatchBytes ?? 900_000;
    this.maxMessageBytes = options.maxMessageBytes ?? 900_000;
    this.inboxRetentionMs = options.inboxRetentionMs ?? 14 * 24 * 3600_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.connect();
        if (await this.tryLead()) await this.relayWhileLeader();
        else await this.pause(this.standbyIntervalMs);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'outbox relay interrupted; reconnecting');
        await this.disconnect();
        await this.pause(1000);
      }
    }
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    if (!this.client) {
      const client = new Client({
        ...this.options.database,
        application_name: `${this.options.schema}-outbox-relay`,
      });
      client.on('error', (error) =>
        this.options.logger.warn({ err: error }, 'outbox relay connection error'),
      );
      client.on('notification', () => {
        if (this.wake) this.wake();
        else this.wakePending = true;
      });
      await client.connect();
      // This connection only marks rows sent, sets rows aside and cleans up: a mark lost in a
      // database crash sends its rows again (at least once, as after a relay crash; the inbox
      // makes that once), so its commits need not wait for the WAL flush, a disk sync a batch.
      await client.query('SET synchronous_commit = off');
      this.client = client;
    }
    if (!this.producer) {
      const producer = createIdempotentProducer(this.options.kafka);
      await producer.connect();
      this.producer = producer;
    }
  }

  private async tryLead(): Promise<boolean> {
    const { rows } = await this.client!.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [`ami-outbox-relay:${this.options.schema}`],
    );
    this.isLeader = rows[0].locked;
    if (this.isLeader) {
      await this.client!.query(`LISTEN "${outboxChannel(this.options.schema)}"`);
      this.options.logger.info({ schema: this.options.schema }, 'outbox relay is leader');
    }
    return this.isLeader;
  }

  private async relayWhileLeader(): Promise<void> {
    while (this.running) {
      const published = await this.relayBatch();
      await this.cleanup();
      if (published === 0) await this.pause(this.pollIntervalMs);
    }
    await this.markSent();
  }

  /** Marks the batch sent last, if its marking is still to come (stopping, or nothing behind it). */
  private async markSent(): Promise<void> {
    const sent = this.sentLast;
    this.sentLast = undefined;
    if (sent) await this.markBatch(sent);
  }

  private async markBatch(batch: OutboxRow[]): Promise<void> {
    await this.markPublished(batch);
    for (const r of batch) this.sentUnmarked.delete(String(r.position));
  }

  /**
   * Sends one batch in position order and marks it; returns how many rows it handled. The batch
   * is bounded by rows and by bytes. A row over the message limit, or one the broker refuses for
   * good (too large, not authorised), is set aside with the reason: it never blocks the rows
   * behind it.
   */
  async relayBatch(): Promise<number> {
    // A pipeline of two: while a batch goes to Kafka, the batch sent before it is marked and
    // the next rows are read (leaving out the positions being sent), both queued on the
    // connection in that order. A row committed late with a position inside the range being
    // sent is read with a later batch.
    const sent = this.sentLast;
    this.sentLast = undefined;
    const ahead = this.readAhead;
    this.readAhead = undefined;
    const { rows } = await (ahead ?? this.readRows(sent));
    // With no read ahead, the batch sent last is marked after this read (and before returning).
    const marking = sent ? this.markBatch(sent) : Promise.resolve();
    marking.catch(() => undefined); // awaited on every path below
    if (rows.length === 0) {
      await marking;
      return 0;
    }
    // Sent already by this relay, and the database went away before they were marked: mark them
    // now rather than send them again (another replica leading meanwhile would send them again).
    const sentBefore = this.sentUnmarked.size
      ? rows.filter((r) => this.sentUnmarked.has(String(r.position)))
      : [];
    if (sentBefore.length > 0) {
      await marking;
      await this.markBatch(sentBefore);
      return sentBefore.length;
    }
    const batch: OutboxRow[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (row.bytes > this.maxMessageBytes) {
        await this.setAside(
          row,
          `envelope is ${row.bytes} bytes, over the ${this.maxMessageBytes}-byte message limit`,
        );
        continue;
      }
      if (batch.length > 0 && bytes + row.bytes > this.maxBatchBytes) break;
      batch.push(row);
      bytes += row.bytes;
    }
    if (batch.length === 0) {
      await marking;
      return rows.length;
    }
    const next = this.readRows(batch);
    next.catch(() => undefined); // used by the next call, or dropped with this connection
    try {
      await this.send(batch);
    } catch (error) {
      await marking;
      await next.catch(() => undefined);
      if (!isUnpublishable(error)) throw error;
      await this.sendOneByOne(batch);
      return batch.length;
    }
    if (this.sentUnmarked.size > 100_000) this.sentUnmarked.clear();
    for (const r of batch) this.sentUnmarked.add(String(r.position));
    await marking;
    this.sentLast = batch;
    this.readAhead = next;
    return batch.length;
  }

  /** The next unpublished rows in position order, leaving out the range of a batch in flight. */
  private readRows(inFlight?: OutboxRow[]) {
    return this.client!.query<OutboxRow>(
      `SELECT position, topic, message_key, event_type, envelope, octet_length(envelope) AS bytes
       FROM "${this.options.schema}".outbox
       WHERE published_at IS NULL AND set_aside_at IS NULL
         AND ($2::bigint IS NULL OR position < $2 OR position > $3)
       ORDER BY position LIMIT $1`,
      [
        this.batchSize,
        inFlight?.[0].position ?? null,
        inFlight?.[inFlight.length - 1].position ?? null,
      ],
    );
  }

  /** After a refused batch: each row alone, so only the one(s) the broker refuses are set aside. */
  private async sendOneByOne(batch: OutboxRow[]): Promise<void> {
    await this.resetProducer();
    for (const row of batch) {
      try {
        await this.send([row]);
        await this.markPublished([row]);
      } catch (error) {
        if (!isUnpublishable(error)) throw error;
        await this.setAside(row, `broker refused it: ${(error as Error).message}`);
        await this.resetProducer();
      }
    }
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let entry = byTopic.get(row.topic);
      if (!entry) byTopic.set(row.topic, (entry = { topic: row.topic, messages: [] }));
      entry.messages.push({
        key: row.message_key,
        value: row.envelope,
        headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      });
    }
    await this.producer!.sendBatch({
      topicMessages: [...byTopic.values()],
      acks: -1,
      compression: CompressionTypes.None,
    });
    this.options.onPublished?.(rows.length, [...byTopic.keys()]);
  }

  private async markPublished(rows: OutboxRow[]): Promise<void> {
    await this.client!.query(
      `UPDATE "${this.options.schema}".outbox SET published_at = now() WHERE position = ANY($1::bigint[])`,
      [rows.map((r) => r.position)],
    );
  }

  private async setAside(row: OutboxRow, reason: string): Promise<void> {
    await this.client!.query(
      `UPDATE "${this.options.schema}".outbox SET set_aside_at = now(), set_aside_reason = $2 WHERE position = $1`,
      [row.position, reason],
    );
    this.options.logger.error(
      { position: row.position, topic: row.topic, type: row.event_type, bytes: row.bytes, reason },
      'outbox row set aside: it cannot be published (the rows behind it go on)',
    );
    this.options.onSetAside?.({
      position: row.position,
      topic: row.topic,
      eventType: row.event_type,
      reason,
    });
  }

  /** A producer whose send was refused starts afresh (new producer id, clean sequence numbers). */
  private async resetProducer(): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
    const producer = createIdempotentProducer(this.options.kafka);
    await producer.connect();
    this.producer = producer;
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.client!.query(
      `DELETE FROM "${this.options.schema}".outbox WHERE published_at < now() - ($1 || ' milliseconds')::interval`,
      [String(this.retentionMs)],
    );
    // An event id older than any message Kafka still keeps cannot come back: forget it.
    await this.client!.query(
      `DELETE FROM "${this.options.schema}".inbox WHERE processed_at < now() - ($1 || ' milliseconds')::interval`,
      [String(this.inboxRetentionMs)],
    );
  }

  private pause(ms: number): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private async disconnect(): Promise<void> {
    this.isLeader = false;
    // Still in sentUnmarked: marked (not sent again) once this relay reads them again.
    this.sentLast = undefined;
    this.readAhead = undefined;
    const client = this.client;
    const producer = this.producer;
    this.client = undefined;
    this.producer = undefined;
    await client?.end().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}
