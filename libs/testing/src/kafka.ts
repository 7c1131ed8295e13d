import { randomBytes } from 'node:crypto';
import { Consumer, Kafka, KafkaMessage, logLevel, SASLOptions } from 'kafkajs';
import { EventCatalog, EventType } from '@ami/contracts';
import { eventSourceOf, topicOwner } from '@ami/messaging';
import type { KafkaConnection } from '@ami/messaging';
import { testEnv } from './test-env.js';

/**
 * How a test reaches the bus: SASL/SCRAM-SHA-512 as the super user by default (the stack's
 * KAFKA_ADMIN_PASSWORD), or as any principal of the ACL table (to prove what it may not do).
 */
export function testKafkaConnection(clientId = 'ami-tests', principal?: string): KafkaConnection {
  const env = testEnv();
  const username = principal ?? env.kafkaAdmin.username;
  return {
    clientId,
    brokers: env.kafkaBrokers,
    sasl: { mechanism: 'scram-sha-512', username, password: env.kafkaPassword(username) },
  };
}

export function testKafka(
  clientId = 'ami-tests',
  options: { principal?: string; password?: string; retries?: number } = {},
): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const conn = testKafkaConnection(clientId, options.principal);
  if (options.password !== undefined) conn.sasl!.password = options.password;
  return new Kafka({
    clientId,
    brokers: conn.brokers,
    sasl: conn.sasl as SASLOptions,
    logLevel: logLevel.NOTHING,
    retry: { retries: options.retries ?? 10 },
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface CollectedMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads a topic from its current end in a fresh consumer group and keeps what arrives, so a
 * test can wait for the messages it caused.
 */
export async function collect(
  kafka: Kafka,
  topics: string[],
): Promise<{
  messages: CollectedMessage[];
  waitFor(
    predicate: (m: CollectedMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<CollectedMessage[]>;
  stop(): Promise<void>;
  consumer: Consumer;
}> {
  // Note where each partition ends now, read from the beginning and keep only what comes after:
  // no race between joining the group and the first message the test causes.
  const admin = kafka.admin();
  await admin.connect();
  const startAt = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic))
      startAt.set(`${topic}/${p.partition}`, BigInt(p.high));
  }
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('collector'), sessionTimeout: 10_000 });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      if (BigInt(message.offset) >= (startAt.get(`${topic}/${partition}`) ?? 0n))
        messages.push({ topic, partition, message });
    },
  });
  return {
    messages,
    consumer,
    async waitFor(predicate, timeoutMs = 30_000) {
      await eventually(() => predicate(messages), timeoutMs, `messages on ${topics.join(', ')}`);
      return messages;
    },
    stop: () => consumer.disconnect(),
  };
}

/** Polls until the condition holds, or fails saying what it was waiting for. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  /** What is awaited; a function is asked at the timeout, so it can say how far things got. */
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const said = typeof what === 'function' ? what() : what;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${said}`);
}

/**
 * The CloudEvents source a test must give an event it produces by hand: consumers accept a
 * fact only from the service owning its topic (commands and audit entries from anyone).
 */
export function sourceFor(type: EventType): string {
  const owner = topicOwner(EventCatalog[type].topic);
  return owner ? eventSourceOf(owner) : '/test';
}
