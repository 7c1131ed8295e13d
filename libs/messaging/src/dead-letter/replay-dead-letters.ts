import { createIdempotentProducer } from '../kafka/kafka-client.js';
import type { IHeaders, Kafka } from 'kafkajs';
import { deadLetterTopic } from '@ami/contracts';
import { DLQ_HEADERS } from './dead-letter.js';
import { headerValue } from '../kafka/headers.js';

export interface ReplayResult {
  replayed: number;
  byOriginalTopic: Record<string, number>;
}

/**
 * Moves what is in `<topic>.dlq` now back onto the topic it came from (original key, value and
 * headers, minus the dead-letter ones, plus a replay count). Stops at the end offsets it saw
 * when it started, so a message that fails again is not replayed in a loop.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  topic: string,
  groupId = 'ami-dlq-replay',
): Promise<ReplayResult> {
  const dlq = deadLetterTopic(topic);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(dlq);
  const committed = await admin.fetchOffsets({ groupId, topics: [dlq] });
  await admin.disconnect();
  const target = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
  const start = new Map(
    (committed[0]?.partitions ?? []).map((p) => [
      p.partition,
      p.offset === '-1' ? 0n : BigInt(p.offset),
    ]),
  );
  const pending = new Set(
    [...target.entries()].filter(([p, high]) => high > (start.get(p) ?? 0n)).map(([p]) => p),
  );
  const result: ReplayResult = { replayed: 0, byOriginalTopic: {} };
  if (pending.size === 0) return result;

  const producer = createIdempotentProducer(kafka);
  const consumer = kafka.consumer({ groupId });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [dlq], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const high = target.get(partition) ?? 0n;
          if (BigInt(message.offset) >= high) return;
          const original = headerValue(message.headers, DLQ_HEADERS.topic) ?? topic;
          const headers: IHeaders = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            if (!name.startsWith('x-dlq-') && value !== undefined) headers[name] = value;
          }
          const count = Number(headerValue(message.headers, 'x-replay-count') ?? '0') + 1;
          headers['x-replay-count'] = String(count);
          await producer.send({
            topic: original,
            acks: -1,
            messages: [{ key: message.key, value: message.value, headers }],
          });
          await consumer.commitOffsets([
            { topic: dlq, partition, offset: (BigInt(message.offset) + 1n).toString() },
          ]);
          result.replayed++;
          result.byOriginalTopic[original] = (result.byOriginalTopic[original] ?? 0) + 1;
          if (BigInt(message.offset) + 1n >= high) pending.delete(partition);
          if (pending.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  await producer.disconnect();
  return result;
}
