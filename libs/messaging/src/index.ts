/**
 * @ami/messaging: the event backbone. Transactional outbox and its relay, the idempotent
 * inbox, a Nest Kafka transport with edge validation, retries and dead letters, the audit
 * recorder, and dead-letter replay.
 */
export * from './bus/bus-principals.js';
export * from './kafka/kafka-client.js';
export * from './kafka/topic-admin.js';
export * from './kafka/headers.js';
export * from './outbox/messaging-tables.js';
export * from './outbox/event-publisher.js';
export * from './outbox/outbox-relay.js';
export * from './inbox/inbox.js';
export * from './dead-letter/dead-letter.js';
export * from './dead-letter/replay-dead-letters.js';
export * from './consumer/decode-event.js';
export * from './consumer/event-context.js';
export * from './consumer/on-event.decorator.js';
export * from './consumer/retry-policy.js';
export * from './consumer/transient-errors.js';
export * from './consumer/kafka-event.server.js';
export * from './audit/audit-recorder.js';
export * from './audit/family-lock.js';
export * from './messaging-config.js';
export * from './messaging.tokens.js';
export * from './messaging.module.js';
