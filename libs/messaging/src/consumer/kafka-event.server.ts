import { createIdempotentProducer } from '../kafka/kafka-client.js';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { lastValueFrom, isObservable } from 'rxjs';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { ALL_TOPICS, CloudEvent, EventCatalog, isEventType } from '@ami/contracts';
import { DeadLetterKind, sendToDeadLetter } from '../dead-letter/dead-letter.js';
import { Inbox } from '../inbox/inbox.js';
import { decodeEvent } from './decode-event.js';
import { EventContext, PermanentEventError } from './event-context.js';
import { RetryPolicy, retryDelay } from './retry-policy.js';
import { isTransientInfrastructureError } from './transient-errors.js';

interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface KafkaEventServerOptions {
  kafka: Kafka;
  groupId: string;
  dataSource: DataSource;
  schema: string;
  logger: Logger;
  retry: RetryPolicy;
  maxMessageBytes: number;
  /** A new consumer group starts at the end of its topics instead of their beginning. */
  startNewGroupAtEnd?: boolean;
  /** The consumer group's session timeout (default 30 s). */
  sessionTimeoutMs?: number;
  onOutcome?: (
    topic: string,
    outcome: 'processed' | 'duplicate' | 'dead-lettered' | 'retried',
    eventId?: string,
  ) => void;
  /** An event type this build does not know, skipped on a topic it reads (tolerant reader). */
  onUnknownType?: (topic: string, type: string) => void;
  /** Messages behind the end of a partition after a batch: the consumer's lag. */
  onLag?: (topic: string, partition: number, lag: number) => void;
}

/**
 * A Nest microservice transport on kafkajs with the platform's delivery rules: every message
 * is validated at the edge, applied once through the inbox, retried with backoff, and, when it
 * cannot be applied, sent to `<topic>.dlq` with the reason. A message's offset is committed only
 * after its effect (or its dead letter) is stored, so a crash replays it rather than losing it.
 * Handlers are declared with @EventPattern(<event type>) or @EventPattern(<topic>).
 */
export class KafkaEventServer extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private consumer?: Consumer;
  private producer?: Producer;
  private readonly inbox: Inbox;

  constructor(private readonly options: KafkaEventServerOptions) {
    super();
    this.inbox = new Inbox(options.dataSource, options.schema);
  }

  /**
   * Dead letters sent whose inbox entry did not commit (the database went away in between):
   * the retry records them without sending them again. A crash in that moment still sends twice.
   */
  private readonly deadLetteredUnrecorded = new Set<string>();

  /** The topics this server's handlers need, derived from their patterns. */
  subscribedTopics(): string[] {
    const topics = new Set<string>();
    // Only event types and platform topics: handlers of other transports (gRPC methods) may be
    // registered here too by Nest and are not ours to subscribe to.
    for (const pattern of this.messageHandlers.keys()) {
      if (isEventType(pattern)) topics.add(EventCatalog[pattern].topic);
      else if ((ALL_TOPICS as string[]).includes(pattern)) topics.add(pattern);
    }
    return [...topics];
  }

  async listen(callback: (...optionalParams: unknown[]) => any): Promise<void> {
    try {
      const topics = this.subscribedTopics();
      this.producer = createIdempotentProducer(this.options.kafka);
      await this.producer.connect();
      if (topics.length > 0) {
        this.consumer = this.options.kafka.consumer({
          groupId: this.options.groupId,
          sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
          heartbeatInterval: Math.min(
            3_000,
            Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 3),
          ),
          maxBytesPerPartition: this.options.maxMessageBytes + 64 * 1024,
        });
        await this.consumer.connect();
        let startAt: PartitionOffset[] = [];
        await this.retryRetriable('subscribing', async () => {
          if (this.options.startNewGroupAtEnd) startAt = await this.endOffsetsIfNew(topics);
          await this.consumer!.subscribe({ topics, fromBeginning: true });
        });
        if (startAt.length) {
          // Seek on the first join, before the first fetch: nothing older is read, nothing
          // published after the end offsets were taken is missed (seeking commits the offset).
          const consumer = this.consumer;
          const off = consumer.on(consumer.events.GROUP_JOIN, () => {
            off();
            for (const at of startAt) consumer.seek(at);
          });
        }
        await this.consumer.run({
          autoCommit: true,
          autoCommitInterval: 1000,
          partitionsConsumedConcurrently: 6,
          eachBatchAutoResolve: false,
          eachBatch: (payload) => this.handleBatch(payload),
        });
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * Topics just created by another replica may not be in this broker's metadata yet ("does not
   * host this topic-partition"): a retriable error, so wait and try again rather than fail boot.
   */
  private async retryRetriable(what: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
        this.options.logger.warn({ err: error, attempt }, `${what} failed; retrying`);
        await new Promise((r) => setTimeout(r, Math.min(3000, 250 * attempt)));
      }
    }
  }

  /** The handler of an event type (or of its whole topic), looked up once: Nest's lookup normalises the pattern on every call. */
  private handlerFor(type: string, topic: string): RunItem['handler'] {
    const key = `${type}\u0000${topic}`;
    if (!this.handlers.has(key))
      this.handlers.set(key, this.getHandlerByPattern(type) ?? this.getHandlerByPattern(topic));
    return this.handlers.get(key)!;
  }

  private readonly handlers = new Map<string, RunItem['handler']>();

  /**
   * For a group that has committed nothing yet on a topic (tests, benchmarks): where that
   * topic ends now, to seek to once the consumer has joined. One quick metadata call per
   * topic; kafkajs's admin.resetOffsets would join a throwaway consumer per topic (seconds
   * each) and, asked for "latest", commit the logical offset -1, which reads from the start.
   */
  private async endOffsetsIfNew(topics: string[]): Promise<PartitionOffset[]> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
      const fresh = committed.filter((t) => t.partitions.every((p) => p.offset === '-1'));
      const ends = await Promise.all(
        fresh.map(async ({ topic }) =>
          (await admin.fetchTopicOffsets(topic)).map((p) => ({
            topic,
            partition: p.partition,
            offset: p.high,
          })),
        ),
      );
      return ends.flat();
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    this.producer = undefined;
  }

  on(): any {
    throw new Error('KafkaEventServer does not emit status events');
  }

  unwrap<T>(): T {
    return { consumer: this.consumer, producer: this.producer } as T;
  }

  /**
   * A fetched batch of one partition, in order. Runs of valid messages are applied together in
   * one transaction (each still through the inbox); if that fails, the run is replayed one
   * message at a time with retries and dead letters, so one bad message costs only itself.
   * Offsets are resolved only after their effects or dead letters are stored.
   */
  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let run: RunItem[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      const items = run;
      run = [];
      const applied = await this.applyRun(topic, partition, items).then(
        () => true,
        (error) => {
          this.options.logger.debug(
            { err: error, topic, partition },
            'batch failed; applying its messages one by one',
          );
          return false;
        },
      );
      if (!applied)
        for (const item of items)
          await this.handleMessage({ topic, partition, message: item.message, heartbeat });
      resolveOffset(items[items.length - 1].message.offset);
      await heartbeat();
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const decoded = decodeEvent(topic, message, this.options.maxMessageBytes);
      if (decoded.ok === 'skip') {
        await flush();
        this.skipUnknown(topic, decoded.type, message);
        resolveOffset(message.offset);
        continue;
      }
      if (!decoded.ok) {
        await flush();
        await this.deadLetter(decoded.kind, decoded.reason, topic, partition, message, 0);
        resolveOffset(message.offset);
        continue;
      }
      const handler = this.handlerFor(decoded.event.type, topic);
      run.push({ message, event: decoded.event, handler });
      if (run.length >= BATCH_TRANSACTION_SIZE) await flush();
    }
    await flush();
    this.options.onLag?.(topic, partition, Number(batch.offsetLag()));
  }

  /** A newer producer's event type (rolling deploy): counted and skipped, never dead-lettered. */
  private skipUnknown(topic: string, type: string, message: KafkaMessage): void {
    this.options.logger.debug(
      { topic, offset: message.offset, type },
      'unknown event type skipped',
    );
    this.options.onUnknownType?.(topic, type);
  }

  /** Applies a run of valid messages in one transaction; throws (rolling back) on any failure. */
  private async applyRun(topic: string, partition: number, items: RunItem[]): Promise<void> {
    const outcomes: Array<['processed' | 'duplicate', string]> = [];
    await this.options.dataSource.transaction(async (tx) => {
      // Another consumer's event type on a topic we read is not ours to judge: skipped.
      const mine = items.filter((item) => item.handler);
      const fresh = await this.inbox.recordMany(
        tx,
        mine.map(({ event, message }) => ({
          consumer: this.options.groupId,
          eventId: event.id,
          topic,
          partition,
          offset: message.offset,
        })),
      );
      for (const { message, event, handler } of mine) {
        // Seen before (or twice in this batch): the effect was already applied.
        if (!fresh.delete(event.id)) {
          outcomes.push(['duplicate', event.id]);
          continue;
        }
        if (!handler) continue;
        const ctx = new EventContext({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          attempt: 1,
          tx,
        });
        const result = await handler(event, ctx);
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        outcomes.push(['processed', event.id]);
      }
    });
    for (const [outcome, eventId] of outcomes) this.options.onOutcome?.(topic, outcome, eventId);
  }

  private async handleMessage({
    topic,
    partition,
    message,
    heartbeat,
  }: {
    topic: string;
    partition: number;
    message: KafkaMessage;
    heartbeat: () => Promise<void>;
  }): Promise<void> {
    const decoded = decodeEvent(topic, message, this.options.maxMessageBytes);
    if (decoded.ok === 'skip') return this.skipUnknown(topic, decoded.type, message);
    if (!decoded.ok)
      return this.deadLetter(decoded.kind, decoded.reason, topic, partition, message, 0);
    const event = decoded.event;
    const handler = this.handlerFor(event.type, topic);
    if (!handler) {
      // Another consumer's event type on a topic we read: not ours to judge, skip it.
      return;
    }
    const log = this.options.logger.child({
      correlationId: event.correlationid,
      eventId: event.id,
      type: event.type,
    });
    const { maxAttempts } = this.options.retry;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        const applied = await this.inbox.processOnce(
          {
            consumer: this.options.groupId,
            eventId: event.id,
            topic,
            partition,
            offset: message.offset,
          },
          async (tx) => {
            const ctx = new EventContext({
              topic,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              attempt,
              tx,
            });
            const result = await handler(event, ctx);
            if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          },
        );
        this.options.onOutcome?.(topic, applied ? 'processed' : 'duplicate', event.id);
        if (!applied) log.debug('duplicate event ignored');
        return;
      } catch (error) {
        lastError = asError(error);
        if (isTransientInfrastructureError(error)) {
          // The database is away, not the message's fault: wait it out, attempts unchanged.
          log.warn(
            { err: lastError },
            'infrastructure unavailable; waiting before retrying the event',
          );
          await waitWithHeartbeat(this.options.retry.maxDelayMs, heartbeat);
          attempt--;
          continue;
        }
        if (lastError instanceof PermanentEventError || attempt === maxAttempts) break;
        this.options.onOutcome?.(topic, 'retried');
        log.warn({ err: lastError, attempt }, 'event handler failed; retrying');
        await waitWithHeartbeat(retryDelay(this.options.retry, attempt), heartbeat);
      }
    }
    const attempts = lastError instanceof PermanentEventError ? 1 : maxAttempts;
    log.error({ err: lastError, attempts }, 'event handler failed; dead-lettering');
    return this.deadLetter(
      'processing-failed',
      lastError?.message ?? 'unknown error',
      topic,
      partition,
      message,
      attempts,
    );
  }

  private async deadLetter(
    kind: DeadLetterKind,
    reason: string,
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempts: number,
  ): Promise<void> {
    // Once per group, like an applied event: the inbox holds the message's position while it
    // is sent. A member that paused past its session and still fetched the partition (or a
    // redelivery after a rebalance) finds it there and sends nothing again.
    const entry = {
      consumer: this.options.groupId,
      // the broker's timestamp too: offsets start again on a topic created anew
      eventId: `dead-letter:${topic}/${partition}/${message.offset}/${message.timestamp}`,
      topic,
      partition,
      offset: message.offset,
    };
    for (;;) {
      try {
        const sent = await this.inbox.processOnce(entry, async () => {
          // Sent already, and the database went away before that was recorded: record it now.
          if (this.deadLetteredUnrecorded.has(entry.eventId)) return;
          await sendToDeadLetter(this.producer!, {
            kind,
            reason,
            topic,
            partition,
            message,
            attempts,
            consumerGroup: this.options.groupId,
          });
          this.deadLetteredUnrecorded.add(entry.eventId);
        });
        this.deadLetteredUnrecorded.delete(entry.eventId);
        if (!sent) return this.options.onOutcome?.(topic, 'duplicate');
        break;
      } catch (error) {
        if (!isTransientInfrastructureError(error)) throw error;
        this.options.logger.warn(
          { err: error, topic, partition, offset: message.offset },
          'infrastructure unavailable; waiting before dead-lettering',
        );
        await new Promise((r) => setTimeout(r, this.options.retry.maxDelayMs));
      }
    }
    this.options.logger.warn(
      { topic, partition, offset: message.offset, kind, reason },
      'message sent to dead-letter topic',
    );
    this.options.onOutcome?.(topic, 'dead-lettered');
  }
}

/** Messages applied together in one transaction, at most. */
const BATCH_TRANSACTION_SIZE = 200;

interface RunItem {
  message: KafkaMessage;
  event: CloudEvent;
  handler: ReturnType<Server['getHandlerByPattern']>;
}

/** Nest's RPC exception filters may wrap errors in plain objects; recover a message either way. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (error && typeof error === 'object' && 'message' in error)
    return new Error(String((error as any).message));
  return new Error(String(error));
}

async function waitWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    await heartbeat().catch(() => undefined);
  }
}
