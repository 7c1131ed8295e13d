import { Inject, Injectable } from '@nestjs/common';
import { DisableImageDeprecationCommand, EnableImageCommand } from '@aws-sdk/client-ec2';
import { DataSource } from 'typeorm';
import { Ec2Gateway } from '@ami/aws';
import { IMAGE_LIFECYCLE_CHANGED } from '@ami/contracts';
import { AuditRecorder, EventPublisher, lockFamily } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { RetentionActions } from './retention-actions.js';
import { RetentionRepository } from './retention.repository.js';

export interface RestoredCopy {
  account: string;
  region: string;
  imageId: string;
  state: 'available' | 'gone' | 'failed';
  reason: string | null;
}

/**
 * Brings a deprecated or disabled version back with one call: the version is held first (so no
 * later plan touches it again; a repeated call finishes what a failed one left), then every
 * copy still there is looked at once and, as needed, enabled (EnableImage) and its deprecation
 * cancelled. A copy that is gone (retired) is reported, as is a copy EC2 refused.
 */
@Injectable()
export class RestoreVersion {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RetentionRepository) private readonly plans: RetentionRepository,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(RetentionActions) private readonly actions: RetentionActions,
  ) {}

  async restore(input: { family: string; version: string; actor: string; reason: string }) {
    const { family, version, actor } = input;
    const facts = await this.plans.facts(this.db, family, this.ec2.defaultAccount);
    if (!facts.versions.some((v) => v.version === version))
      throw AppError.notFound(`family ${family} has no version ${version} known to the scanner`);
    await this.db.transaction(async (tx) => {
      await lockFamily(tx, 'maintenance_scanner', family);
      await this.plans.hold(tx, family, version, `restored by ${actor}: ${input.reason}`, actor);
    });
    for (const [account, role] of facts.roles) this.ec2.useRole(account, role);
    const copies = facts.copies.filter((c) => c.version === version);
    const seen = (await this.actions.lookups(copies.map((c) => ({ ...c, snapshotId: null }))))
      .images;
    const results: RestoredCopy[] = await Promise.all(
      copies.map(async (c) => {
        const options = { account: c.account };
        const where = { account: c.account, region: c.region, imageId: c.imageId };
        const image = seen.get(c.imageId);
        if (!image)
          return { ...where, state: 'gone' as const, reason: 'the image is deregistered' };
        try {
          if (image.State === 'disabled')
            await this.ec2.send(c.region, new EnableImageCommand({ ImageId: c.imageId }), options);
          if (image.DeprecationTime)
            await this.ec2.send(
              c.region,
              new DisableImageDeprecationCommand({ ImageId: c.imageId }),
              options,
            );
          return { ...where, state: 'available' as const, reason: null };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return { ...where, state: 'failed' as const, reason: message };
        }
      }),
    );
    await this.db.transaction(async (tx) => {
      await this.audit.record(tx, {
        actor,
        action: 'version.restored',
        subject: { family, version },
        before: null,
        after: { copies: results, held: true },
        outcome: results.some((r) => r.state === 'failed') ? 'failed' : 'succeeded',
        reason: input.reason,
      });
      for (const r of results)
        if (r.state === 'available' && r.account === this.ec2.defaultAccount)
          await this.events.publish(
            tx,
            IMAGE_LIFECYCLE_CHANGED,
            {
              family,
              version,
              region: r.region,
              imageId: r.imageId,
              state: 'available',
              reason: `restored by ${actor}: ${input.reason}`,
              at: new Date().toISOString(),
            },
            { key: family },
          );
    });
    return {
      family,
      version,
      held: true,
      copies: results,
    };
  }

  /** Lets retention consider the version again. */
  async release(family: string, version: string, actor: string) {
    const released = await this.db.transaction(async (tx) => {
      await lockFamily(tx, 'maintenance_scanner', family);
      const done = await this.plans.releaseHold(tx, family, version);
      if (done)
        await this.audit.record(tx, {
          actor,
          action: 'version.hold-released',
          subject: { family, version },
          before: { held: true },
          after: { held: false },
          outcome: 'succeeded',
          reason: `${actor} let retention consider it again`,
        });
      return done;
    });
    if (!released) throw AppError.notFound(`version ${version} of ${family} is not held`);
  }
}
