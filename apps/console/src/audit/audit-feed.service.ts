import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@ami/config';
import { Topics } from '@ami/contracts';
import { createKafka, kafkaConnectionFrom } from '@ami/messaging';
import { HealthRegistry, MetricsService, ROOT_LOGGER } from '@ami/observability';
import type { ConsoleConfig } from '../config/console.config.js';
import { auditEntryOf, type AuditEntry } from './audit-entry.js';

export type AuditListener = (entry: AuditEntry) => void;

/**
 * The console's one reader of ami.audit.v1, as the ops principal, fanned out to every connected
 * browser. A replica reads the whole topic in a group of its own, from where it stands when the
 * group is new (a live feed, not a replay); the newest entries are kept to greet a new client.
 */
@Injectable()
export class AuditFeed implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listeners = new Set<AuditListener>();
  private readonly recentEntries: AuditEntry[] = [];
  private consumer: Consumer | undefined;
  private joined = false;
  private readonly received;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ConsoleConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(MetricsService) metrics: MetricsService,
  ) {
    this.received = metrics.counter(
      'ami_console_audit_entries_total',
      'audit messages read by the console, by whether they were audit entries',
      ['kind'],
    );
    metrics.gauge('ami_console_audit_clients', 'browsers connected to the audit feed', [], (g) =>
      g.set(this.listeners.size),
    );
  }

  get groupId(): string {
    return this.config.KAFKA_GROUP_ID ?? `ami-ops-console-${hostname()}`;
  }

  onModuleInit(): void {
    this.health.register({
      name: 'kafka',
      check: async () => {
        if (!this.joined) throw new Error(`audit feed has not joined ${this.groupId} yet`);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const kafka = createKafka(
      kafkaConnectionFrom(this.config, this.config.KAFKA_CLIENT_ID ?? 'ami-console'),
      this.logger,
    );
    const consumer = kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      this.logger.warn(
        { err: payload.error.message },
        'audit feed consumer crashed; kafkajs restarts it',
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.Audit, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const entry = auditEntryOf(message, partition);
        this.received.inc({ kind: entry ? 'entry' : 'other' });
        if (entry) this.publish(entry);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.joined = false;
    await this.consumer?.disconnect().catch(() => undefined);
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recent(): readonly AuditEntry[] {
    return this.recentEntries;
  }

  get connected(): boolean {
    return this.joined;
  }

  private publish(entry: AuditEntry): void {
    this.recentEntries.push(entry);
    if (this.recentEntries.length > this.config.AUDIT_FEED_RECENT) this.recentEntries.shift();
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'an audit feed client failed');
      }
    }
  }
}
