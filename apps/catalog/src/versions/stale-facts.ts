import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { CloudEvent } from '@ami/contracts';
import { MetricsService, ROOT_LOGGER } from '@ami/observability';

/**
 * Facts a projection refused because the row already holds a later one (a replayed dead
 * letter, a topic running behind another). Refusing is the correct outcome, not a failure:
 * counted and logged at debug, never dead-lettered.
 */
@Injectable()
export class StaleFacts {
  private readonly refused;

  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(MetricsService) metrics: MetricsService,
  ) {
    this.refused = metrics.counter(
      'ami_catalog_stale_facts_total',
      'Events not applied because the projected row already holds a later fact',
      ['type'],
    );
  }

  refuse(event: CloudEvent, why: string): void {
    this.refused.inc({ type: event.type });
    this.logger.debug(
      { eventId: event.id, type: event.type, time: event.time, subject: event.subject, why },
      'stale fact refused',
    );
  }
}
