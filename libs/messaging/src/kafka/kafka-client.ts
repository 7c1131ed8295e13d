import { readFileSync } from 'node:fs';
import { Kafka, logLevel, LogEntry, Producer, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaCredentials {
  mechanism: 'scram-sha-512' | 'scram-sha-256';
  username: string;
  password: string;
}

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** SASL credentials: the bus refuses clients without them. */
  sasl?: KafkaCredentials;
  /** TLS (SASL_SSL): true for the system CAs, or the CA certificate(s) to trust. */
  ssl?: boolean | { ca: string[] };
}

/** The Kafka part of a service's validated config (libs/config). */
export interface KafkaClientConfig {
  KAFKA_BROKERS: string[];
  KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' | 'SASL_SSL';
  KAFKA_SASL_MECHANISM: 'scram-sha-512' | 'scram-sha-256';
  KAFKA_SASL_USERNAME: string;
  KAFKA_SASL_PASSWORD: string;
  KAFKA_SSL_CA_FILE?: string;
}

export function kafkaConnectionFrom(config: KafkaClientConfig, clientId: string): KafkaConnection {
  return {
    brokers: config.KAFKA_BROKERS,
    clientId,
    sasl: {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME,
      password: config.KAFKA_SASL_PASSWORD,
    },
    ssl:
      config.KAFKA_SECURITY_PROTOCOL === 'SASL_SSL'
        ? config.KAFKA_SSL_CA_FILE
          ? { ca: [readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8')] }
          : true
        : false,
  };
}

/**
 * For command-line tools (dlq:replay): the same variables as a service, read without the rest
 * of a service's config. Fails naming what is missing, never echoing a value.
 */
export function kafkaConnectionFromEnv(
  clientId: string,
  env: NodeJS.ProcessEnv = process.env,
): KafkaConnection {
  const missing = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'].filter((v) => !env[v]);
  if (missing.length)
    throw new Error(`missing ${missing.join(', ')} (eval "$(npm run -s stack -- env)" locally)`);
  const protocol = env.KAFKA_SECURITY_PROTOCOL === 'SASL_SSL' ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  const mechanism =
    env.KAFKA_SASL_MECHANISM === 'scram-sha-256' ? 'scram-sha-256' : 'scram-sha-512';
  return kafkaConnectionFrom(
    {
      KAFKA_BROKERS: (env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
      KAFKA_SECURITY_PROTOCOL: protocol,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: env.KAFKA_SASL_USERNAME!,
      KAFKA_SASL_PASSWORD: env.KAFKA_SASL_PASSWORD!,
      KAFKA_SSL_CA_FILE: env.KAFKA_SSL_CA_FILE || undefined,
    },
    clientId,
  );
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
    sasl: conn.sasl as SASLOptions | undefined,
    ssl: conn.ssl,
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
