import type { EntityManager } from 'typeorm';
import { AUDIT_RECORDED, AuditRecorded, CloudEvent } from '@ami/contracts';
import { EventPublisher } from '../outbox/event-publisher.js';
import { lockFamily } from './family-lock.js';

/**
 * One line for any use case to put a state change on `ami.audit.v1`, in the same transaction
 * as the change itself (through the outbox), keyed by family so each family's audit trail is
 * gap-free and in order.
 *
 * Every entry is written under the family's lock (the same one the service's use cases take,
 * `<schema>-family:<family>`; see lockFamily): an outbox position is taken at insert, not at
 * commit, so an entry written before the lock could land behind a later change of the same
 * family. With the lock, positions follow commit order.
 */
export class AuditRecorder {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly schema: string,
  ) {}

  async record(
    tx: EntityManager,
    entry: AuditRecorded,
    causedBy?: Pick<CloudEvent, 'id' | 'correlationid'>,
  ): Promise<CloudEvent> {
    await lockFamily(tx, this.schema, entry.subject.family);
    return this.publisher.publish(tx, AUDIT_RECORDED, entry, {
      key: entry.subject.family,
      subject: entry.subject.family,
      causedBy,
    });
  }
}
