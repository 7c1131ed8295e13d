import type { TargetKind } from './desired-targets.js';

/** A target's life: waiting to be written (or for its image), written, or failing. */
export type TargetState = 'pending' | 'written' | 'failed';
export const TARGET_STATES: TargetState[] = ['pending', 'written', 'failed'];

/** Why a target is (re)written: the channel moved, the reconcile found drift, or the spec changed. */
export type TargetMovement = 'promote' | 'rollback' | 'repair' | 'spec';

/** One distribution target of one channel of a family, in one region. */
export interface TargetRow {
  id: string;
  family: string;
  channel: string;
  kind: TargetKind;
  region: string;
  target: string;
  setDefault: boolean;
  state: TargetState;
  desiredVersion: string;
  movement: TargetMovement;
  /** Bumped with every new desired value: part of the launch template version's ClientToken. */
  generation: number;
  attempt: number;
  nextAttemptAt: Date;
  waitingSince: Date | null;
  /** The image the target should hold (known once the version has an image in the region). */
  imageId: string | null;
  /** The version whose image was last written, and the parameter/template version it made. */
  writtenVersion: string | null;
  writtenRef: string | null;
  previousImageId: string | null;
  drift: { actualImageId: string | null; foundAt: string } | null;
  failureCode: string | null;
  failureReason: string | null;
  correlationId: string;
  writtenAt: Date | null;
  checkedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  leaseOwner: string | null;
  leaseEpoch: number;
}

export function toTargetRow(r: any): TargetRow {
  return {
    id: r.id,
    family: r.family,
    channel: r.channel,
    kind: r.kind,
    region: r.region,
    target: r.target,
    setDefault: r.set_default,
    state: r.state,
    desiredVersion: r.desired_version,
    movement: r.movement,
    generation: r.generation,
    attempt: r.attempt,
    nextAttemptAt: r.next_attempt_at,
    waitingSince: r.waiting_since,
    imageId: r.image_id,
    writtenVersion: r.written_version,
    writtenRef: r.written_ref,
    previousImageId: r.previous_image_id,
    drift: r.drift,
    failureCode: r.failure_code,
    failureReason: r.failure_reason,
    correlationId: r.correlation_id,
    writtenAt: r.written_at,
    checkedAt: r.checked_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    leaseOwner: r.lease_owner,
    leaseEpoch: Number(r.lease_epoch),
  };
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The public view of a target (HTTP). */
export function targetView(t: TargetRow) {
  return {
    id: t.id,
    family: t.family,
    channel: t.channel,
    kind: t.kind,
    region: t.region,
    target: t.target,
    setDefaultVersion: t.setDefault,
    state: t.state,
    desiredVersion: t.desiredVersion,
    imageId: t.imageId,
    writtenVersion: t.writtenVersion,
    written: t.writtenRef,
    previousImageId: t.previousImageId,
    movement: t.movement,
    attempt: t.attempt,
    failureCode: t.failureCode,
    failureReason: t.failureReason,
    drift: t.drift,
    writtenAt: iso(t.writtenAt),
    checkedAt: iso(t.checkedAt),
    nextAttemptAt: t.state === 'written' ? null : iso(t.nextAttemptAt),
    updatedAt: iso(t.updatedAt) as string,
  };
}
