import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { deadLetterTopic } from '@ami/contracts';

/** Why a message could not be delivered to its handler. */
export type DeadLetterKind =
  | 'oversized'
  | 'malformed-json'
  | 'invalid-envelope'
  | 'wrong-source'
  | 'unknown-event-type'
  | 'invalid-payload'
  | 'no-handler'
  | 'processing-failed';

export interface DeadLetter {
  kind: DeadLetterKind;
  reason: string;
  topic: string;
  partition: number;
  message: KafkaMessage;
  attempts: number;
  consumerGroup: string;
}

/** Header names on every dead letter: why, where from, how many attempts. */
export const DLQ_HEADERS = {
  kind: 'x-dlq-kind',
  reason: 'x-dlq-reason',
  topic: 'x-dlq-original-topic',
  partition: 'x-dlq-original-partition',
  offset: 'x-dlq-original-offset',
  attempts: 'x-dlq-attempts',
  group: 'x-dlq-consumer-group',
  failedAt: 'x-dlq-failed-at',
} as const;

const MAX_REASON = 2000;

/** Sends the original bytes, key and headers to `<topic>.dlq` and waits for the broker's ack. */
export async function sendToDeadLetter(producer: Producer, letter: DeadLetter): Promise<void> {
  const headers: IHeaders = {
    ...letter.message.headers,
    [DLQ_HEADERS.kind]: letter.kind,
    [DLQ_HEADERS.reason]: letter.reason.slice(0, MAX_REASON),
    [DLQ_HEADERS.topic]: letter.topic,
    [DLQ_HEADERS.partition]: String(letter.partition),
    [DLQ_HEADERS.offset]: letter.message.offset,
    [DLQ_HEADERS.attempts]: String(letter.attempts),
    [DLQ_HEADERS.group]: letter.consumerGroup,
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
  await producer.send({
    topic: deadLetterTopic(letter.topic),
    acks: -1,
    messages: [{ key: letter.message.key, value: letter.message.value, headers }],
  });
}
