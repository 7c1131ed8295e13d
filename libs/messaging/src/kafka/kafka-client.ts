import { Kafka, logLevel, LogEntry, Producer } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through the service's pino logger. */
export function createKafka(conn: KafkaConnection, logger?: Logger): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({
    clientId: conn.clientId,
    brokers: conn.brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...extra } = entry.log;
      // Our producers bound their retries on purpose (see createIdempotentProducer).
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      logger[levels[entry.level] ?? 'info']({ kafka: entry.namespace, ...extra }, message);
    },
  });
}

/**
 * The platform's producer: idempotent, one request in flight (so retries cannot reorder a
 * partition), acks from all in-sync replicas on every send. Retries are bounded: a caller
 * that gives up (the relay) drops the producer and starts a new one, which gets a new
 * producer id, so the idempotence bookkeeping starts clean.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: 200, retries: 30, maxRetryTime: 5000 },
  });
}
