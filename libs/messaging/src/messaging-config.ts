import { env } from '@ami/config';

/** Variables of the event backbone, shared by every service's config schema. */
export const messagingConfigShape = {
  OUTBOX_RELAY_ENABLED: env.bool(true),
  OUTBOX_BATCH_SIZE: env.int(500, 1),
  OUTBOX_POLL_INTERVAL_MS: env.int(500, 10),
  CONSUMER_MAX_ATTEMPTS: env.int(5, 1),
  CONSUMER_RETRY_INITIAL_MS: env.int(200, 0),
  CONSUMER_RETRY_MAX_MS: env.int(5000, 0),
  MAX_MESSAGE_BYTES: env.int(900_000, 1024),
  /** A new consumer group reads from the end of its topics (tests); by default from the start. */
  KAFKA_NEW_GROUP_FROM_END: env.bool(false),
};
