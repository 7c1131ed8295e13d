import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  digestOf,
  LAUNCH_PERMISSIONS_APPLIED,
  LAUNCH_PERMISSIONS_DRIFT_FOUND,
  LAUNCH_PERMISSIONS_DRIFT_REPAIRED,
} from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { CopiesRepository } from '../copies/copies.repository.js';
import type { ClaimedCopy, ManagedCopy } from '../copies/managed-copy.js';
import { listsOf } from '../sharing/principal.js';
import { DriftRepository } from '../drift/drift.repository.js';
import { changesDone, repairsDone, type PassResult } from './pass-result.js';

const ACTOR = 'permissions';

/**
 * The end of a pass over a copy: its new state, drift record, events and audit, in one
 * transaction fenced by the copy's lease (a worker that lost the lease writes nothing).
 */
@Injectable()
export class PassOutcomes {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(DriftRepository) private readonly drift: DriftRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  completed({ copy, lease }: ClaimedCopy, result: PassResult): Promise<void> {
    return this.db.transaction(async (tx) => {
      const repaired = repairsDone(result);
      // Drift is reported when it differs from what was left unrepaired last time, so a
      // report-only family hears about a difference once, not on every reconcile.
      const driftKey = result.plan.drift.length ? digestOf(result.plan.drift) : null;
      const left = result.plan.drift.filter((d) => !repaired.includes(d));
      const leftKey = left.length ? digestOf(left) : null;
      const changed = changesDone(result) > 0;
      await this.copies.leases.update(
        tx,
        copy.id,
        lease,
        {
          image_state: result.imageState,
          snapshot_ids: result.snapshotIds,
          actual: JSON.stringify(result.after),
          applied: JSON.stringify(result.applied),
          desired: JSON.stringify({ launch: result.desired.launch, volume: result.desired.volume }),
          failures: JSON.stringify(result.failures),
          applied_generation: copy.requestGeneration,
          attempts: 0,
          last_error: null,
          reported_drift: leftKey,
        },
        {
          raw: [
            'last_reconciled_at = now()',
            'updated_at = now()',
            ...(changed || copy.requestGeneration > copy.appliedGeneration
              ? ['last_applied_at = now()']
              : []),
          ],
        },
      );
      if (driftKey && driftKey !== copy.reportedDrift)
        await this.driftFound(tx, copy, result, repaired);
      if (repaired.length) await this.driftRepaired(tx, copy, result, repaired);
      if (changed || copy.requestGeneration > copy.appliedGeneration)
        await this.applied(tx, copy, result, repaired.length > 0);
    });
  }

  /** The image no longer exists: stop managing the copy. */
  gone({ copy, lease }: ClaimedCopy): Promise<void> {
    return this.db.transaction(async (tx) => {
      await this.copies.leases.update(
        tx,
        copy.id,
        lease,
        {
          image_state: 'deregistered',
          applied_generation: copy.requestGeneration,
        },
        { raw: ['last_reconciled_at = now()', 'updated_at = now()'] },
      );
      await this.audit.record(tx, {
        actor: ACTOR,
        action: 'launch-permissions.copy-gone',
        subject: this.subject(copy),
        before: { imageState: copy.imageState },
        after: { imageState: 'deregistered' },
        outcome: 'succeeded',
        reason: 'the image no longer exists in EC2; its permissions are no longer managed',
      });
    });
  }

  /** A pass that failed: try again after a backoff (the next pass re-reads and finishes the diff). */
  async failed({ copy, lease }: ClaimedCopy, error: unknown, retryInMs: number): Promise<void> {
    await this.copies.leases.update(
      this.db.manager,
      copy.id,
      lease,
      {
        attempts: copy.attempts + 1,
        last_error: error instanceof Error ? error.message : String(error),
      },
      {
        raw: [
          `next_attempt_at = now() + interval '${Math.round(retryInMs)} milliseconds'`,
          'updated_at = now()',
        ],
      },
    );
  }

  private subject(copy: ManagedCopy) {
    return {
      family: copy.family,
      version: copy.version,
      region: copy.region,
      imageId: copy.imageId,
    };
  }

  private async driftFound(
    tx: EntityManager,
    copy: ManagedCopy,
    r: PassResult,
    repaired: PassResult['plan']['repairs'],
  ) {
    await this.drift.record(tx, {
      family: copy.family,
      version: copy.version,
      region: copy.region,
      imageId: copy.imageId,
      mode: r.mode,
      differences: r.plan.drift,
      repaired,
      actual: r.before,
      after: r.after,
    });
    await this.events.publish(
      tx,
      LAUNCH_PERMISSIONS_DRIFT_FOUND,
      { ...this.subject(copy), mode: r.mode, differences: r.plan.drift, actual: r.before },
      { key: copy.family },
    );
    await this.audit.record(tx, {
      actor: ACTOR,
      action: 'launch-permissions.drift-found',
      subject: this.subject(copy),
      before: r.before,
      after: { desired: r.desired.launch, volume: r.desired.volume },
      outcome: 'succeeded',
      reason: `${r.plan.drift.length} difference(s) from the applied permissions (mode ${r.mode})`,
    });
  }

  private async driftRepaired(
    tx: EntityManager,
    copy: ManagedCopy,
    r: PassResult,
    repaired: PassResult['plan']['repairs'],
  ) {
    await this.events.publish(
      tx,
      LAUNCH_PERMISSIONS_DRIFT_REPAIRED,
      { ...this.subject(copy), repaired, before: r.before, after: r.after },
      { key: copy.family },
    );
    await this.audit.record(tx, {
      actor: ACTOR,
      action: 'launch-permissions.drift-repaired',
      subject: this.subject(copy),
      before: r.before,
      after: r.after,
      outcome: 'succeeded',
      reason: repaired.some((d) => d.principal.kind === 'public')
        ? 'a public grant made outside the platform was removed'
        : undefined,
    });
  }

  private async applied(
    tx: EntityManager,
    copy: ManagedCopy,
    r: PassResult,
    driftRepaired: boolean,
  ) {
    const lists = listsOf(r.after.launch);
    const snapshots = Object.values(r.after.snapshots);
    const snapshotAccounts = r.desired.volume.filter((a) =>
      snapshots.every((ps) => ps.some((p) => p.kind === 'account' && p.value === a)),
    );
    await this.events.publish(
      tx,
      LAUNCH_PERMISSIONS_APPLIED,
      { ...this.subject(copy), ...lists, driftRepaired, snapshotAccounts, failures: r.failures },
      { key: copy.family },
    );
    await this.audit.record(tx, {
      actor: ACTOR,
      action: 'launch-permissions.applied',
      subject: this.subject(copy),
      before: r.before,
      after: r.after,
      outcome: r.failures.length ? 'failed' : 'succeeded',
      reason: r.failures.length
        ? `not shared with: ${r.failures.map((f) => `${f.principal.value} (${f.reason})`).join('; ')}`
        : copy.requestReason,
    });
  }
}
