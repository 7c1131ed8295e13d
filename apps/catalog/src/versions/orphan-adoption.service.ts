import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import type { CloudEvent } from '@ami/contracts';
import { MetricsService, ROOT_LOGGER } from '@ami/observability';

/**
 * Events about a family the catalog does not know are kept, not dropped: stored as orphans,
 * counted in /metrics, listed by the API, and applied when the family is created.
 */
@Injectable()
export class OrphanAdoption {
  private applyEvent?: (tx: EntityManager, event: CloudEvent) => Promise<void>;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  /** The projection registers how to apply an event, so adoption can replay orphans. */
  registerApplier(apply: (tx: EntityManager, event: CloudEvent) => Promise<void>) {
    this.applyEvent = apply;
  }

  async keep(tx: EntityManager, event: CloudEvent, family: string): Promise<void> {
    await tx.query(
      `INSERT INTO catalog.orphan_events (event_id, event_type, family, payload) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO UPDATE SET adopted_at = NULL`,
      [event.id, event.type, family, JSON.stringify(event)],
    );
    this.metrics
      .counter(
        'ami_catalog_orphan_events_total',
        'Events about families the catalog does not know',
        ['type'],
      )
      .inc({ type: event.type });
    this.logger.warn(
      { eventId: event.id, type: event.type, family },
      'event about an unknown family kept as an orphan',
    );
  }

  async adopt(tx: EntityManager, family: string): Promise<number> {
    const rows = await tx.query(
      `SELECT payload FROM catalog.orphan_events WHERE family = $1 AND adopted_at IS NULL ORDER BY received_at FOR UPDATE`,
      [family],
    );
    // Mark all adopted first; an event that still cannot be applied is kept again (adopted_at reset).
    await tx.query(
      'UPDATE catalog.orphan_events SET adopted_at = now() WHERE family = $1 AND adopted_at IS NULL',
      [family],
    );
    for (const row of rows) await this.applyEvent?.(tx, row.payload as CloudEvent);
    return rows.length;
  }

  /** Orphans not yet adopted, oldest first. */
  async list(
    family?: string,
  ): Promise<Array<{ eventId: string; type: string; family: string; receivedAt: Date }>> {
    const rows = await this.db.query(
      `SELECT event_id, event_type, family, received_at FROM catalog.orphan_events
       WHERE adopted_at IS NULL AND ($1::text IS NULL OR family = $1) ORDER BY received_at LIMIT 1000`,
      [family ?? null],
    );
    return rows.map((r: any) => ({
      eventId: r.event_id,
      type: r.event_type,
      family: r.family,
      receivedAt: r.received_at,
    }));
  }
}
