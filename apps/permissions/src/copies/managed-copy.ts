import type { PrincipalRefusal } from '../sharing/desired-state.js';
import type { ActualPermissions, AppliedPermissions } from '../sharing/permission-plan.js';
import type { Lease } from '@ami/jobs';

export type ImageState = 'available' | 'deprecated' | 'disabled' | 'deregistered';
export type CopyOrigin = 'build' | 'copy' | 'import';

/** One regional copy of a version whose sharing the service manages. */
export interface ManagedCopy {
  id: string;
  family: string;
  version: string;
  region: string;
  account: string;
  imageId: string;
  snapshotIds: string[];
  origin: CopyOrigin;
  imageState: ImageState;
  requestGeneration: number;
  appliedGeneration: number;
  requestReason: string;
  attempts: number;
  lastError: string | null;
  applied: AppliedPermissions | null;
  actual: ActualPermissions | null;
  desired: { launch: unknown[]; volume: string[] } | null;
  failures: PrincipalRefusal[];
  reportedDrift: string | null;
  lastAppliedAt: string | null;
  lastReconciledAt: string | null;
}

export interface ClaimedCopy {
  copy: ManagedCopy;
  lease: Lease;
}

/** Copies are keyed by family, version and region: one row per regional copy. */
export function copyId(family: string, version: string, region: string): string {
  return `${family}/${version}/${region}`;
}

export function toManagedCopy(r: Record<string, any>): ManagedCopy {
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    id: r.id,
    family: r.family,
    version: r.version,
    region: r.region,
    account: r.account,
    imageId: r.image_id,
    snapshotIds: r.snapshot_ids ?? [],
    origin: r.origin,
    imageState: r.image_state,
    requestGeneration: Number(r.request_generation),
    appliedGeneration: Number(r.applied_generation),
    requestReason: r.request_reason,
    attempts: r.attempts,
    lastError: r.last_error,
    applied: r.applied,
    actual: r.actual,
    desired: r.desired,
    failures: r.failures ?? [],
    reportedDrift: r.reported_drift,
    lastAppliedAt: iso(r.last_applied_at),
    lastReconciledAt: iso(r.last_reconciled_at),
  };
}
