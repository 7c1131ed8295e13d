import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@ami/config';
import { MetricsService, ROOT_LOGGER } from '@ami/observability';
import type { CatalogConfig } from '../config/catalog.config.js';

const CHANNEL = 'catalog_resolve_changed';
const RECONNECT_MS = 1000;
/** Where a transaction's query runner keeps the families it changed, until commit. */
const CHANGED = 'resolveChangedFamilies';

function newSet(runner: QueryRunner): Set<string> {
  const set = new Set<string>();
  runner.data[CHANGED] = set;
  return set;
}

function takeChanged(runner: QueryRunner): Set<string> | undefined {
  const set = runner.data?.[CHANGED] as Set<string> | undefined;
  if (runner.data) delete runner.data[CHANGED];
  return set;
}

/** `null` means "anything may have changed": drop every cached answer. */
export type ChangeListener = (family: string | null) => void;

/**
 * Keeps every catalog replica's resolve cache current. A change to what resolve would answer
 * sends a NOTIFY with the family inside the changing transaction (delivered at commit); every
 * replica LISTENs and drops that family's cached answers.
 *
 * Notifications sent while this replica is not listening are lost, so: the whole cache is
 * dropped when the connection is lost and again once LISTEN is re-established; while not
 * listening, answers are not cached at all (`listening`); and a heartbeat (with TCP keepalive
 * under it) notices a connection that went silent without closing, which would otherwise look
 * healthy while delivering nothing.
 *
 * The replica that commits a change also drops its own entries right after the commit, without
 * waiting for its own notification: a caller that promoted and then resolves on the same
 * replica sees the promotion.
 */
@Injectable()
export class ResolveInvalidation implements OnModuleInit, OnApplicationShutdown {
  private client?: Client;
  private readonly listeners: ChangeListener[] = [];
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly reconnects;

  constructor(
    @Inject(APP_CONFIG) private readonly config: CatalogConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(MetricsService) metrics: MetricsService,
    @Inject(DataSource) db: DataSource,
  ) {
    db.subscribers.push(this.afterCommit);
    this.reconnects = metrics.counter(
      'ami_catalog_resolve_listen_lost_total',
      'Resolve invalidation connections lost (each one flushes the resolve cache)',
      ['cause'],
    );
  }

  /** Whether notifications are being received now; answers read while not are not cached. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  onChange(listener: ChangeListener) {
    this.listeners.push(listener);
  }

  async notify(tx: EntityManager, family: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, family]);
    const runner = tx.queryRunner;
    if (runner) ((runner.data[CHANGED] as Set<string> | undefined) ?? newSet(runner)).add(family);
  }

  private readonly afterCommit: EntitySubscriberInterface = {
    afterTransactionCommit: ({ queryRunner }) => {
      if (queryRunner.isTransactionActive) return; // a savepoint: the transaction goes on
      const changed = takeChanged(queryRunner);
      for (const family of changed ?? []) this.emit(family);
    },
    afterTransactionRollback: ({ queryRunner }) => {
      if (!queryRunner.isTransactionActive) takeChanged(queryRunner);
    },
  };

  async onModuleInit() {
    try {
      await this.listen();
    } catch (error) {
      // A catalog that cannot listen at boot does not start (and so does not retry).
      this.stopped = true;
      clearTimeout(this.reconnectTimer);
      throw error;
    }
  }

  async onApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private emit(family: string | null) {
    for (const listener of this.listeners) listener(family);
  }

  private async listen(): Promise<void> {
    const heartbeatMs = this.config.RESOLVE_LISTEN_HEARTBEAT_MS;
    const client = new Client({
      host: this.config.DB_HOST,
      port: this.config.DB_PORT,
      database: this.config.DB_NAME,
      user: this.config.DB_USER,
      password: this.config.DB_PASSWORD,
      application_name: 'catalog-resolve-invalidation',
      keepAlive: true,
      keepAliveInitialDelayMillis: heartbeatMs,
      connectionTimeoutMillis: this.config.RESOLVE_LISTEN_TIMEOUT_MS * 10,
    });
    let heartbeat: NodeJS.Timeout | undefined;
    let lost = false;
    const lose = (cause: string, error?: unknown) => {
      if (lost) return;
      lost = true;
      clearInterval(heartbeat);
      if (this.client === client) this.client = undefined;
      if (this.stopped) return;
      this.reconnects.inc({ cause });
      this.logger.warn(
        { err: error, cause },
        'resolve invalidation connection lost; cache flushed',
      );
      this.emit(null);
      // end() waits for the server's goodbye, which a silent server never sends.
      (
        client as unknown as { connection?: { stream?: { destroy(): void } } }
      ).connection?.stream?.destroy();
      this.reconnectLater();
    };
    client.on('notification', (n) => this.emit(n.payload || null));
    client.on('error', (error) => lose('error', error));
    client.on('end', () => lose('end'));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lose('connect', error);
      throw error;
    }
    if (lost) return;
    this.client = client;
    // Anything committed before LISTEN took effect was not heard: start from an empty cache.
    this.emit(null);
    heartbeat = setInterval(() => void this.beat(client, lose), heartbeatMs);
    heartbeat.unref();
  }

  /** A round trip within the timeout, or the connection is given up as silent. */
  private async beat(client: Client, lose: (cause: string, error?: unknown) => void) {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('no answer to the heartbeat')),
        this.config.RESOLVE_LISTEN_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([client.query('SELECT 1'), silent]);
    } catch (error) {
      lose('heartbeat', error);
    } finally {
      clearTimeout(timer);
    }
  }

  private reconnectLater() {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // A failed attempt schedules the next one itself (lose).
      void this.listen().catch(() => undefined);
    }, RECONNECT_MS);
  }
}
