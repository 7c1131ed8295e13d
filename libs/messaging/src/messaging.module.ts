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
import { APP_CONFIG, ConfigError, SERVICE_IDENTITY } from '@ami/config';
import type { CommonConfig, ServiceIdentity } from '@ami/config';
import { HealthRegistry, MetricsService, ROOT_LOGGER } from '@ami/observability';
import { AuditRecorder } from './audit/audit-recorder.js';
import { KafkaEventServer } from './consumer/kafka-event.server.js';
import { createKafka, kafkaConnectionFrom } from './kafka/kafka-client.js';
import { awaitTopics } from './kafka/topic-admin.js';
import { BUS_SERVICES, BusService, eventSourceOf, serviceGrants } from './bus/bus-principals.js';
import { messagingConfigProblems, messagingConfigShape } from './messaging-config.js';
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
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async onModuleInit() {
    const problems = messagingConfigProblems(this.config);
    if (problems.length) throw new ConfigError(problems);
    this.registerOutboxLag();
    // Topics are the bus's, created with their ACLs by the set-up; a service only checks them.
    if ((BUS_SERVICES as readonly string[]).includes(this.identity.name)) {
      const grants = serviceGrants(this.identity.name as BusService);
      await awaitTopics(this.kafka, [...new Set([...grants.read, ...grants.write])]);
    }
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

  /** Age of the oldest unpublished row, read at every scrape: a stalled relay shows here. */
  private registerOutboxLag() {
    const table = `"${this.options.schema}".outbox`;
    this.metrics.gauge(
      'ami_outbox_lag_seconds',
      'Age of the oldest unpublished (not set-aside) outbox row; 0 when the outbox is drained',
      [],
      async (gauge) => {
        const [row] = await this.dataSource
          .query(
            `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age FROM ${table}
             WHERE published_at IS NULL AND set_aside_at IS NULL`,
          )
          .catch(() => [{ age: -1 }]);
        gauge.set(Number(row.age));
      },
    );
  }

  onApplicationBootstrap() {
    if (!this.config.OUTBOX_RELAY_ENABLED) return;
    const setAside = this.metrics.counter(
      'ami_outbox_set_aside_total',
      'Outbox rows set aside because the broker can never take them (see the relay log)',
      ['topic'],
    );
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
      maxBatchBytes: this.config.OUTBOX_BATCH_MAX_BYTES,
      maxMessageBytes: this.config.MAX_MESSAGE_BYTES,
      inboxRetentionMs: this.config.INBOX_RETENTION_MS,
      onSetAside: (row) => setAside.inc({ topic: row.topic }),
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
              kafkaConnectionFrom(config, config.KAFKA_CLIENT_ID ?? identity.name),
              logger,
            ),
        },
        {
          provide: EventPublisher,
          inject: [APP_CONFIG, SERVICE_IDENTITY],
          useFactory: (config: MessagingConfig, identity: ServiceIdentity) =>
            new EventPublisher(
              options.schema,
              eventSourceOf(identity.name),
              config.MAX_MESSAGE_BYTES,
            ),
        },
        {
          provide: AuditRecorder,
          inject: [EventPublisher],
          useFactory: (p: EventPublisher) => new AuditRecorder(p, options.schema),
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
  const unknownTypes = metrics.counter(
    'ami_events_unknown_type_total',
    'Events of a type this build does not know, skipped (not dead-lettered)',
    ['topic', 'type'],
  );
  const consumerLag = metrics.gauge(
    'ami_consumer_lag_messages',
    'Messages not yet consumed, per partition, after the last batch',
    ['topic', 'partition'],
  );
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
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    onOutcome: (topic, outcome) => consumed.inc({ topic, outcome }),
    onUnknownType: (topic, type) => unknownTypes.inc({ topic, type }),
    onLag: (topic, partition, lag) => consumerLag.set({ topic, partition: String(partition) }, lag),
  });
}
