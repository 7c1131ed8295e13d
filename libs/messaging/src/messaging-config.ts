import { env } from '@ami/config';

/** Variables of the event backbone, shared by every service's config schema. */
export const messagingConfigShape = {
  OUTBOX_RELAY_ENABLED: env.bool(true),
  OUTBOX_BATCH_SIZE: env.int(1000, 1),
  OUTBOX_POLL_INTERVAL_MS: env.int(500, 10),
  CONSUMER_MAX_ATTEMPTS: env.int(5, 1),
  CONSUMER_RETRY_INITIAL_MS: env.int(200, 0),
  CONSUMER_RETRY_MAX_MS: env.int(5000, 0),
  MAX_MESSAGE_BYTES: env.int(900_000, 1024),
  /** Relay batches stay under this many bytes (below the broker's max.message.bytes). */
  OUTBOX_BATCH_MAX_BYTES: env.int(900_000, 1024),
  /** How long the topics keep messages (the bus set-up's KAFKA_TOPIC_RETENTION_MS). */
  KAFKA_TOPIC_RETENTION_MS: env.int(7 * 24 * 3600_000, 1),
  /** Inbox rows are pruned after this; it must outlast topic retention, or a replay re-applies. */
  INBOX_RETENTION_MS: env.int(14 * 24 * 3600_000, 1),
  /** A new consumer group reads from the end of its topics (tests); by default from the start. */
  KAFKA_NEW_GROUP_FROM_END: env.bool(false),
  /**
   * How long the group waits for a member that stopped heartbeating (a crashed or paused
   * replica) before its partitions move. Within the broker's group.min/max.session.timeout.ms.
   */
  KAFKA_SESSION_TIMEOUT_MS: env.int(30_000, 6_000),
};

/** Cross-variable rules of the messaging config; every problem named at once. */
export function messagingConfigProblems(config: {
  MAX_MESSAGE_BYTES: number;
  OUTBOX_BATCH_MAX_BYTES: number;
  KAFKA_TOPIC_RETENTION_MS: number;
  INBOX_RETENTION_MS: number;
}): string[] {
  const problems: string[] = [];
  if (config.INBOX_RETENTION_MS <= config.KAFKA_TOPIC_RETENTION_MS)
    problems.push(
      'INBOX_RETENTION_MS: must be longer than KAFKA_TOPIC_RETENTION_MS (an event still on a topic must still be in the inbox)',
    );
  if (config.OUTBOX_BATCH_MAX_BYTES < config.MAX_MESSAGE_BYTES)
    problems.push(
      'OUTBOX_BATCH_MAX_BYTES: must be at least MAX_MESSAGE_BYTES (a batch holds one message at least)',
    );
  return problems;
}
