import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@ami/config';
import type { CommonConfig } from '@ami/config';
import { ROOT_LOGGER } from '@ami/observability';

const CHANNEL = 'catalog_resolve_changed';

/**
 * Keeps every catalog replica's resolve cache current. A change to what resolve would answer
 * sends a NOTIFY with the family inside the changing transaction (delivered at commit); every
 * replica LISTENs and drops that family's cached answers. If the listening connection drops,
 * the whole cache is dropped, since notifications may have been missed.
 */
@Injectable()
export class ResolveInvalidation implements OnModuleInit, OnApplicationShutdown {
  private client?: Client;
  private readonly listeners: Array<(family: string | null) => void> = [];
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: CommonConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onChange(listener: (family: string | null) => void) {
    this.listeners.push(listener);
  }

  async notify(tx: EntityManager, family: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, family]);
  }

  async onModuleInit() {
    await this.listen();
  }

  async onApplicationShutdown() {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  private emit(family: string | null) {
    for (const listener of this.listeners) listener(family);
  }

  private async listen(): Promise<void> {
    const client = new Client({
      host: this.config.DB_HOST,
      port: this.config.DB_PORT,
      database: this.config.DB_NAME,
      user: this.config.DB_USER,
      password: this.config.DB_PASSWORD,
      application_name: 'catalog-resolve-invalidation',
    });
    client.on('notification', (n) => this.emit(n.payload || null));
    client.on('error', (error) =>
      this.logger.warn({ err: error }, 'resolve invalidation connection error'),
    );
    client.on('end', () => {
      this.emit(null);
      if (!this.stopped) setTimeout(() => void this.listen().catch(() => undefined), 1000);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    this.emit(null);
  }
}
