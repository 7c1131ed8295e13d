import { randomBytes } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { ALL_TOPICS, deadLetterTopic } from '@ami/contracts';
import { DLQ_HEADERS, headerValue } from '@ami/messaging';
import { opsKafka } from './audit-reader.js';
import { CliError, EXIT } from './errors.js';

type Env = Record<string, string | undefined>;
/** how long a read waits for the next message before it takes what it has */
const IDLE_MS = 15_000;

/** A dead letter as `amictl dlq list` shows it: the headers the transport wrote, and the event. */
export interface DeadLetterEntry {
  /** the dead-letter topic and where the letter is on it */
  dlq: string;
  partition: number;
  offset: string;
  /** the topic it came from, and where it was there */
  topic: string;
  originalOffset?: string;
  /** when the consumer gave up on it */
  time: string;
  kind?: string;
  reason?: string;
  consumerGroup?: string;
  attempts?: number;
  /** how many times it was replayed already (x-replay-count) */
  replays: number;
  eventType?: string;
  eventId?: string;
  /** the start of the message as text */
  value: string;
}

/** `ami.builds.v1` or `ami.builds.v1.dlq`: the dead-letter topic either names. */
export const dlqOf = (topic: string) => (topic.endsWith('.dlq') ? topic : deadLetterTopic(topic));
export const originalOf = (topic: string) => topic.replace(/\.dlq$/, '');

/** Every dead-letter topic of the platform. */
export const ALL_DEAD_LETTER_TOPICS = ALL_TOPICS.map((t) => deadLetterTopic(t));

/** A message of `<topic>.dlq` as an entry: why, where from, which event (structured or binary mode). */
export function describeDeadLetter(
  dlq: string,
  partition: number,
  message: Pick<KafkaMessage, 'offset' | 'headers' | 'value' | 'timestamp'>,
): DeadLetterEntry {
  const header = (name: string) => headerValue(message.headers, name);
  const text = message.value?.toString('utf8') ?? '';
  let event: { type?: unknown; id?: unknown } = {};
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object') event = parsed;
  } catch {
    // not JSON: the event is named by its headers, if at all
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const attempts = header(DLQ_HEADERS.attempts);
  return {
    dlq,
    partition,
    offset: message.offset,
    topic: header(DLQ_HEADERS.topic) ?? originalOf(dlq),
    originalOffset: header(DLQ_HEADERS.offset),
    time: header(DLQ_HEADERS.failedAt) ?? new Date(Number(message.timestamp)).toISOString(),
    kind: header(DLQ_HEADERS.kind),
    reason: header(DLQ_HEADERS.reason),
    consumerGroup: header(DLQ_HEADERS.group),
    attempts: attempts === undefined ? undefined : Number(attempts),
    replays: Number(header('x-replay-count') ?? '0'),
    eventType: str(event.type) ?? header('ce_type'),
    eventId: str(event.id) ?? header('ce_id'),
    value: text.slice(0, 500),
  };
}

/**
 * Reads the newest dead letters as ops do: as the `ami-ops` principal, which may read every
 * `.dlq` topic, in a throwaway consumer group (ami-ops*) committing nothing.
 */
export async function readDeadLetters(
  env: Env,
  topics: string[],
  perPartition: number,
): Promise<DeadLetterEntry[]> {
  const kafka = opsKafka(env);
  const entries: DeadLetterEntry[] = [];
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: `ami-ops-amictl-${randomBytes(6).toString('hex')}` });
  let idle: NodeJS.Timeout | undefined;
  try {
    await admin.connect();
    const ends = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of topics)
      for (const o of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${o.partition}`, { low: BigInt(o.low), high: BigInt(o.high) });
    const pending = new Set([...ends].filter(([, e]) => e.high > e.low).map(([k]) => k));
    if (pending.size === 0) return entries;
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    const stillReading = () => {
      clearTimeout(idle);
      idle = setTimeout(caughtUp, IDLE_MS);
    };
    stillReading();
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        stillReading();
        const key = `${topic}/${partition}`;
        if (!pending.has(key)) return;
        entries.push(describeDeadLetter(topic, partition, message));
        if (BigInt(message.offset) + 1n >= ends.get(key)!.high) pending.delete(key);
        if (pending.size === 0) caughtUp();
      },
    });
    for (const [key, e] of ends) {
      const [topic, partition] = [
        key.slice(0, key.lastIndexOf('/')),
        key.slice(key.lastIndexOf('/') + 1),
      ];
      const from = e.high - BigInt(perPartition);
      consumer.seek({
        topic,
        partition: Number(partition),
        offset: String(from > e.low ? from : e.low),
      });
    }
    await done;
    return entries;
  } catch (error) {
    throw busError(error as Error);
  } finally {
    clearTimeout(idle);
    await consumer.stop().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

export function busError(error: Error, what = 'the dead-letter topics'): CliError {
  if (error instanceof CliError) return error;
  const name = `${error.name ?? ''} ${error.message}`;
  const code = /SASL|Authentication|Authoriz/i.test(name)
    ? EXIT.unauthorised
    : /Connection|NumberOfRetriesExceeded|does not host|UNKNOWN_TOPIC/i.test(name)
      ? /UNKNOWN_TOPIC|does not host/i.test(name)
        ? EXIT.notFound
        : EXIT.unreachable
      : EXIT.failed;
  return new CliError(`cannot read ${what}: ${error.message}`, code);
}
