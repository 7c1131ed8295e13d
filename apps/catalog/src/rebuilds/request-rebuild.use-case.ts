import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { REBUILD_REQUESTED } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { FamiliesRepository } from '../families/families.repository.js';

export interface RequestRebuildCommand {
  family: string;
  reason: string;
  actor: string;
  idempotencyKey?: string;
  force?: boolean;
}

/** Puts a rebuild request on ami.rebuild-requests.v1 for a known family (the builder takes it from there). */
@Injectable()
export class RequestRebuild {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  async execute(command: RequestRebuildCommand): Promise<{ requestId: string; family: string }> {
    if (!(await this.families.get(command.family)))
      throw AppError.notFound(`family ${command.family} not found`);
    return this.db.transaction(async (tx) => {
      const event = await this.events.publish(
        tx,
        REBUILD_REQUESTED,
        {
          family: command.family,
          reason: command.reason,
          requestedBy: command.actor,
          idempotencyKey: command.idempotencyKey,
          force: command.force,
        },
        { key: command.family },
      );
      await this.audit.record(
        tx,
        {
          actor: command.actor,
          action: 'rebuild.requested',
          subject: { family: command.family },
          before: null,
          after: { requestId: event.id, reason: command.reason },
          outcome: 'succeeded',
        },
        event,
      );
      return { requestId: event.id, family: command.family };
    });
  }
}
