import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CloudEvent, RebuildRequested } from '@ami/contracts';
import { AuditRecorder } from '@ami/messaging';
import { RebuildRequestEntity } from './rebuild-request.entity.js';

/** Records a rebuild request and puts its receipt on the audit stream, in one transaction. */
@Injectable()
export class ReceiveRebuildRequest {
  constructor(@Inject(AuditRecorder) private readonly audit: AuditRecorder) {}

  async execute(
    tx: EntityManager,
    event: CloudEvent<string, RebuildRequested>,
  ): Promise<RebuildRequestEntity> {
    const request = tx.create(RebuildRequestEntity, {
      family: event.data.family,
      reason: event.data.reason,
      requestedBy: event.data.requestedBy,
      idempotencyKey: event.data.idempotencyKey ?? null,
      force: event.data.force ?? false,
      eventId: event.id,
      correlationId: event.correlationid,
    });
    await tx.save(request);
    await this.audit.record(
      tx,
      {
        actor: event.data.requestedBy,
        action: 'rebuild.requested',
        subject: { family: event.data.family },
        before: null,
        after: { requestId: request.id, reason: event.data.reason },
        outcome: 'succeeded',
      },
      event,
    );
    return request;
  }
}
