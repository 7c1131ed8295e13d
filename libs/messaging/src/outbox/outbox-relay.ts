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
  onPublished?: (count: number, topics: string[]) => void;
}

interface OutboxRow {
  position: string;
  topic: string;
  message_key: string;
  event_type: string;
  envelope: string;
}

/**
 * Publishes the outbox in commit order. Only one replica of a service relays at a time: it
 * holds a PostgreSQL advisory lock on a dedicated connection, so two relays never interleave
 * one family's events; if it dies its connection closes, the lock goes, a standby takes over.
 * A crash between "sent" and "marked" re-sends the batch on restart: at least once, and the
 * consumers' inbox turns that into effectively once.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private client?: Client;
  private producer?: Producer;
  private wake?: () => void;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly standbyIntervalMs: number;
  private readonly retentionMs: number;
  private lastCleanup = 0;
  isLeader = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.standbyIntervalMs = options.standbyIntervalMs ?? 1000;
    this.retentionMs = options.retentionMs ?? 24 * 3600_000;
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
      client.on('notification', () => this.wake?.());
      await client.connect();
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
      if (published === 0) {
        await this.cleanup();
        await this.pause(this.pollIntervalMs);
      }
    }
  }

  /** Sends one batch in position order and marks it; returns how many rows it published. */
  async relayBatch(): Promise<number> {
    const { rows } = await this.client!.query<OutboxRow>(
      `SELECT position, topic, message_key, event_type, envelope FROM "${this.options.schema}".outbox
       WHERE published_at IS NULL ORDER BY position LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let entry = byTopic.get(row.topic);
      if (!entry) byTopic.set(row.topic, (entry = { topic: row.topic, messages: [] }));
      const envelope = JSON.parse(row.envelope) as { id: string };
      entry.messages.push({
        key: row.message_key,
        value: row.envelope,
        headers: {
          'ce-id': envelope.id,
          'ce-type': row.event_type,
          'content-type': 'application/cloudevents+json',
        },
      });
    }
    await this.producer!.sendBatch({
      topicMessages: [...byTopic.values()],
      acks: -1,
      compression: CompressionTypes.None,
    });
    await this.client!.query(
      `UPDATE "${this.options.schema}".outbox SET published_at = now() WHERE position = ANY($1::bigint[])`,
      [rows.map((r) => r.position)],
    );
    this.options.onPublished?.(rows.length, [...byTopic.keys()]);
    return rows.length;
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.client!.query(
      `DELETE FROM "${this.options.schema}".outbox WHERE published_at < now() - ($1 || ' milliseconds')::interval`,
      [String(this.retentionMs)],
    );
  }

  private pause(ms: number): Promise<void> {
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
    const client = this.client;
    const producer = this.producer;
    this.client = undefined;
    this.producer = undefined;
    await client?.end().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}
