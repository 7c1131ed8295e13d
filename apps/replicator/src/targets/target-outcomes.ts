import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  DISTRIBUTION_TARGET_DRIFTED,
  DISTRIBUTION_TARGET_FAILED,
  DISTRIBUTION_TARGET_WRITTEN,
} from '@ami/contracts';
import type { Lease } from '@ami/jobs';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import type { TargetRow } from './target-state.types.js';
import type { WriteResult } from './target-writer.js';
import { TargetsRepository } from './targets.repository.js';

const ACTOR = 'replicator';

/**
 * The state changes of a distribution target others hear of: each is one fenced write with
 * its event (on ami.replicator.copies.v1) and audit record, in one transaction (outbox).
 */
@Injectable()
export class TargetOutcomes {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(TargetsRepository) private readonly targets: TargetsRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  private ids(t: TargetRow) {
    return {
      family: t.family,
      channel: t.channel,
      version: t.desiredVersion,
      region: t.region,
      kind: t.kind,
      target: t.target,
    };
  }

  private subject(t: TargetRow, imageId?: string | null) {
    return {
      family: t.family,
      version: t.desiredVersion,
      region: t.region,
      imageId: imageId ?? undefined,
      channel: t.channel,
      target: `${t.kind}:${t.target}`,
    };
  }

  private causedBy(t: TargetRow) {
    return { id: t.id, correlationid: t.correlationId };
  }

  written(t: TargetRow, lease: Lease, imageId: string, result: WriteResult): Promise<void> {
    return this.db.transaction(async (tx) => {
      await this.targets.save(tx, t, lease, {
        state: 'written',
        image_id: imageId,
        written_version: t.desiredVersion,
        written_ref: result.written,
        previous_image_id: result.previousImageId,
        failure_code: null,
        failure_reason: null,
        waiting_since: null,
        written_at: new Date(),
        checked_at: new Date(),
      });
      await this.events.publish(
        tx,
        DISTRIBUTION_TARGET_WRITTEN,
        {
          ...this.ids(t),
          imageId,
          previousImageId: result.previousImageId,
          written: result.written,
          defaultVersion: t.kind === 'launch-template' ? result.defaultVersion : undefined,
          movement: t.movement,
        },
        { key: t.family, causedBy: this.causedBy(t) },
      );
      await this.audit.record(
        tx,
        {
          actor: ACTOR,
          action: t.movement === 'repair' ? 'target.repaired' : 'target.written',
          subject: this.subject(t, imageId),
          before: { imageId: result.previousImageId, version: t.writtenVersion },
          after: {
            imageId,
            version: t.desiredVersion,
            written: result.written,
            movement: t.movement,
            ...(result.defaultVersion ? { defaultVersion: true } : {}),
          },
          outcome: 'succeeded',
        },
        this.causedBy(t),
      );
    });
  }

  /** A failed write: `delayMs` until the next attempt, or none (null: wait for the reconcile). */
  failed(
    t: TargetRow,
    lease: Lease,
    failure: { code: string; reason: string },
    delayMs: number | null,
  ): Promise<void> {
    return this.db.transaction(async (tx) => {
      await this.targets.save(
        tx,
        t,
        lease,
        {
          state: 'failed',
          attempt: t.attempt + 1,
          failure_code: failure.code,
          failure_reason: failure.reason,
        },
        delayMs === null ? { never: true } : { delayMs },
      );
      const nextAttemptAt = delayMs === null ? null : new Date(Date.now() + delayMs).toISOString();
      await this.events.publish(
        tx,
        DISTRIBUTION_TARGET_FAILED,
        {
          ...this.ids(t),
          code: failure.code,
          reason: failure.reason,
          attempt: t.attempt,
          nextAttemptAt,
        },
        { key: t.family, causedBy: this.causedBy(t) },
      );
      await this.audit.record(
        tx,
        {
          actor: ACTOR,
          action: 'target.failed',
          subject: this.subject(t),
          before: { state: t.state, imageId: t.imageId },
          after: { state: 'failed', attempt: t.attempt, code: failure.code, nextAttemptAt },
          outcome: 'failed',
          reason: failure.reason,
        },
        this.causedBy(t),
      );
    });
  }

  /** The reconcile found the target holding something else: it goes back to pending, to be repaired. */
  drifted(t: TargetRow, lease: Lease, actualImageId: string | null): Promise<void> {
    return this.db.transaction(async (tx) => {
      await this.targets.save(
        tx,
        t,
        lease,
        {
          state: 'pending',
          movement: 'repair',
          generation: t.generation + 1,
          attempt: 1,
          drift: JSON.stringify({ actualImageId, foundAt: new Date().toISOString() }),
          checked_at: new Date(),
        },
        { delayMs: 0 },
      );
      await this.events.publish(
        tx,
        DISTRIBUTION_TARGET_DRIFTED,
        { ...this.ids(t), expectedImageId: t.imageId!, actualImageId },
        { key: t.family, causedBy: this.causedBy(t) },
      );
      await this.audit.record(
        tx,
        {
          actor: ACTOR,
          action: 'target.drift-found',
          subject: this.subject(t, t.imageId),
          before: { imageId: t.imageId, written: t.writtenRef },
          after: { imageId: actualImageId },
          outcome: 'failed',
          reason: `${t.kind} ${t.target} in ${t.region} holds ${actualImageId ?? 'nothing'} instead of ${t.imageId}; it will be repaired`,
        },
        this.causedBy(t),
      );
    });
  }

  /** Targets the spec no longer names: dropped from tracking, left as they are in AWS. */
  async dropped(tx: EntityManager, rows: TargetRow[], specVersion: number | null): Promise<void> {
    for (const t of rows)
      await this.audit.record(
        tx,
        {
          actor: ACTOR,
          action: 'target.dropped',
          subject: this.subject(t, t.imageId),
          before: { state: t.state, imageId: t.imageId, written: t.writtenRef },
          after: null,
          outcome: 'succeeded',
          reason: `the spec${specVersion ? ` (version ${specVersion})` : ''} no longer names this target; it is left as it is`,
        },
        this.causedBy(t),
      );
  }
}
