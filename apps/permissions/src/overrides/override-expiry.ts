import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditRecorder } from '@ami/messaging';
import { CopiesRepository } from '../copies/copies.repository.js';
import { FamilySharingRepository } from '../sharing/family-sharing.repository.js';

/** Manual grants and revocations past their expiry end, and the copies they touched get a pass. */
@Injectable()
export class OverrideExpiry {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(FamilySharingRepository) private readonly sharing: FamilySharingRepository,
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  expireDue(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const expired = await this.sharing.expireDue(tx);
      for (const o of expired) {
        await this.audit.record(tx, {
          actor: 'permissions',
          action:
            o.effect === 'grant'
              ? 'launch-permissions.grant-expired'
              : 'launch-permissions.revocation-expired',
          subject: { family: o.family, ...(o.version ? { version: o.version } : {}) },
          before: {
            id: o.id,
            effect: o.effect,
            principal: o.principal,
            expiresAt: o.expiresAt?.toISOString(),
          },
          after: null,
          outcome: 'succeeded',
        });
        await this.copies.requestPass(
          tx,
          { family: o.family, ...(o.version ? { version: o.version } : {}) },
          `${o.effect} ${o.id} expired`,
        );
      }
      return expired.length;
    });
  }
}
