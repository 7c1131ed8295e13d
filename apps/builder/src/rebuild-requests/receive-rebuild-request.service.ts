import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent, RebuildRequested } from '@ami/contracts';
import { AuditRecorder, lockFamily } from '@ami/messaging';
import { BuildRequestOutcome, RequestBuild } from '../builds/request-build.use-case.js';
import { RebuildRequestEntity } from './rebuild-request.entity.js';

/**
 * Records a rebuild request, from any producer, and what came of it (a new build, a duplicate
 * of one, or a rejection), with its receipt on the audit stream, in one transaction.
 */
@Injectable()
export class ReceiveRebuildRequest {
  constructor(
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(RequestBuild) private readonly requestBuild: RequestBuild,
  ) {}

  async execute(
    tx: EntityManager,
    event: CloudEvent<string, RebuildRequested>,
  ): Promise<BuildRequestOutcome | null> {
    // The family's lock first: the receipt below goes on the audit trail in the same order as
    // the build decision RequestBuild makes under this lock (re-entrant, so it does not wait).
    await lockFamily(tx, 'builder', event.data.family);
    // The same request seen again (say, after a consumer group was reset) changes nothing.
    const seen = await tx.findOne(RebuildRequestEntity, { where: { eventId: event.id } });
    if (seen) return null;
    await this.audit.record(
      tx,
      {
        actor: event.data.requestedBy,
        action: 'rebuild.received',
        subject: { family: event.data.family },
        before: null,
        after: { requestId: event.id, reason: event.data.reason },
        outcome: 'succeeded',
      },
      event,
    );
    const outcome = await this.requestBuild.execute(tx, {
      family: event.data.family,
      reason: event.data.reason,
      requestedBy: event.data.requestedBy,
      requestId: event.id,
      correlationId: event.correlationid,
      idempotencyKey: event.data.idempotencyKey,
      force: event.data.force,
      awaitSpec: true,
    });
    await tx.save(
      tx.create(RebuildRequestEntity, {
        family: event.data.family,
        reason: event.data.reason,
        requestedBy: event.data.requestedBy,
        idempotencyKey: event.data.idempotencyKey ?? null,
        force: event.data.force ?? false,
        eventId: event.id,
        correlationId: event.correlationid,
        outcome: outcome.outcome,
        buildId: 'buildId' in outcome ? outcome.buildId : null,
      }),
    );
    return outcome;
  }
}
