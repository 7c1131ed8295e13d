import type { EntityManager } from 'typeorm';
import { AUDIT_RECORDED, AuditRecorded, CloudEvent } from '@ami/contracts';
import { EventPublisher } from '../outbox/event-publisher.js';

/**
 * One line for any use case to put a state change on `ami.audit.v1`, in the same transaction
 * as the change itself (through the outbox), keyed by family so each family's audit trail is
 * gap-free and in order.
 */
export class AuditRecorder {
  constructor(private readonly publisher: EventPublisher) {}

  record(
    tx: EntityManager,
    entry: AuditRecorded,
    causedBy?: Pick<CloudEvent, 'id' | 'correlationid'>,
  ): Promise<CloudEvent> {
    return this.publisher.publish(tx, AUDIT_RECORDED, entry, {
      key: entry.subject.family,
      subject: entry.subject.family,
      causedBy,
    });
  }
}
