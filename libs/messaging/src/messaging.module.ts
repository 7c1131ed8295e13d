import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { Kafka, Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG, CommonConfig, SERVICE_IDENTITY, ServiceIdentity } from '@ami/config';
import { ALL_TOPICS } from '@ami/contracts';
import { HealthRegistry, MetricsService, ROOT_LOGGER } from '@ami/observability';
import { AuditRecorder } from './audit/audit-recorder.js';
import { KafkaEventServer } from './consumer/kafka-event.server.js';
import { createKafka } from './kafka/kafka-client.js';
import { ensureTopics } from './kafka/topic-admin.js';
import { messagingConfigShape } from './messaging-config.js';
import { KAFKA, MESSAGING_OPTIONS } from './messaging.tokens.js';
import { EventPublisher } from './outbox/event-publisher.js';
import { OutboxRelay } from './outbox/outbox-relay.js';

type MessagingConfig = CommonConfig & { [K in keyof typeof messagingConfigShape]: any };

export interface MessagingModuleOptions {
  /** The service's own schema, which holds its outbox and inbox. */
  schema: string;
}

@Injectable()
export class MessagingLifecycle
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private relay?: OutboxRelay;
  private admin?: Admin;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: MessagingConfig,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  async onModuleInit() {
    await ensureTopics(this.kafka, ALL_TOPICS, {
      partitions: this.config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: this.config.KAFKA_REPLICATION_FACTOR,
    });
    this.health.register({
      name: 'kafka',
      check: async () => {
        if (!this.admin) {
          this.admin = this.kafka.admin();
          await this.admin.connect();
        }
        await this.admin.describeCluster();
      },
    });
  }

  onApplicationBootstrap() {
    if (!this.config.OUTBOX_RELAY_ENABLED) return;
    const published = this.metrics.counter(
      'ami_outbox_published_total',
      'Events published from the outbox',
      ['topic'],
    );
    this.relay = new OutboxRelay({
      schema: this.options.schema,
      kafka: this.kafka,
      logger: this.logger.child({ component: 'outbox-relay' }),
      batchSize: this.config.OUTBOX_BATCH_SIZE,
      pollIntervalMs: this.config.OUTBOX_POLL_INTERVAL_MS,
      database: {
        host: this.config.DB_HOST,
        port: this.config.DB_PORT,
        database: this.config.DB_NAME,
        user: this.config.DB_USER,
        password: this.config.DB_PASSWORD,
      },
      onPublished: (count, topics) =>
        topics.forEach((t) => published.inc({ topic: t }, count / topics.length)),
    });
    this.relay.start();
  }

  async onApplicationShutdown() {
    await this.relay?.stop();
    await this.admin?.disconnect().catch(() => undefined);
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forService(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: KAFKA,
          inject: [APP_CONFIG, SERVICE_IDENTITY, ROOT_LOGGER],
          useFactory: (config: CommonConfig, identity: ServiceIdentity, logger: Logger) =>
            createKafka(
              { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? identity.name },
              logger,
            ),
        },
        {
          provide: EventPublisher,
          inject: [APP_CONFIG, SERVICE_IDENTITY],
          useFactory: (config: MessagingConfig, identity: ServiceIdentity) =>
            new EventPublisher(options.schema, `/ami/${identity.name}`, config.MAX_MESSAGE_BYTES),
        },
        {
          provide: AuditRecorder,
          inject: [EventPublisher],
          useFactory: (p: EventPublisher) => new AuditRecorder(p),
        },
        MessagingLifecycle,
      ],
      exports: [KAFKA, EventPublisher, AuditRecorder],
    };
  }
}

/** Builds the Kafka event transport for a service, from the app's own providers. */
export function createEventServer(
  get: <T>(token: any) => T,
  options: { schema: string; groupId?: string },
): KafkaEventServer {
  const config = get<MessagingConfig>(APP_CONFIG);
  const identity = get<ServiceIdentity>(SERVICE_IDENTITY);
  const metrics = get<MetricsService>(MetricsService);
  const consumed = metrics.counter('ami_events_consumed_total', 'Events consumed, by outcome', [
    'topic',
    'outcome',
  ]);
  return new KafkaEventServer({
    kafka: get<Kafka>(KAFKA),
    groupId: options.groupId ?? config.KAFKA_GROUP_ID ?? identity.name,
    dataSource: get<DataSource>(DataSource),
    schema: options.schema,
    logger: get<Logger>(ROOT_LOGGER).child({ component: 'event-consumer' }),
    retry: {
      maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
      initialDelayMs: config.CONSUMER_RETRY_INITIAL_MS,
      maxDelayMs: config.CONSUMER_RETRY_MAX_MS,
    },
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    startNewGroupAtEnd: config.KAFKA_NEW_GROUP_FROM_END,
    onOutcome: (topic, outcome) => consumed.inc({ topic, outcome }),
  });
}
