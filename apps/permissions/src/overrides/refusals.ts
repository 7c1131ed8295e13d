import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LAUNCH_PERMISSIONS_REFUSED } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import type { PrincipalRefusal } from '../sharing/desired-state.js';

export interface Refusal {
  family: string;
  version?: string;
  origin: 'spec' | 'api';
  requestedBy: string;
  refused: PrincipalRefusal[];
}

/** Says, on the permissions topic and the audit stream, that the platform refused to share. */
@Injectable()
export class Refusals {
  constructor(
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  async record(tx: EntityManager, r: Refusal): Promise<void> {
    if (r.refused.length === 0) return;
    const reason = [...new Set(r.refused.map((x) => x.reason))].join('; ');
    await this.events.publish(
      tx,
      LAUNCH_PERMISSIONS_REFUSED,
      {
        family: r.family,
        ...(r.version ? { version: r.version } : {}),
        origin: r.origin,
        requestedBy: r.requestedBy,
        principals: r.refused.map((x) => x.principal),
        reason,
      },
      { key: r.family },
    );
    await this.audit.record(tx, {
      actor: r.requestedBy,
      action: 'launch-permissions.refused',
      subject: { family: r.family, ...(r.version ? { version: r.version } : {}) },
      before: null,
      after: { origin: r.origin, principals: r.refused },
      outcome: 'rejected',
      reason,
    });
  }
}
