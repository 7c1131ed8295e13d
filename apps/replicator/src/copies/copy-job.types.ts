/** A copy job's life: waiting for a regional slot, holding one (CopyImage to send), copying, done. */
export type CopyState = 'queued' | 'starting' | 'copying' | 'succeeded' | 'failed' | 'cancelled';
export const COPY_STATES: CopyState[] = [
  'queued',
  'starting',
  'copying',
  'succeeded',
  'failed',
  'cancelled',
];
/** States that hold one of the destination region's in-flight slots. */
export const IN_FLIGHT: CopyState[] = ['starting', 'copying'];

/** One version's copy into one destination region. */
export interface CopyJob {
  id: string;
  family: string;
  version: string;
  sourceRegion: string;
  sourceImageId: string;
  region: string;
  /** The account the copy is made in, for an owned copy elsewhere; null: the platform's own. */
  account: string | null;
  /** The role assumed in that account. */
  roleName: string | null;
  state: CopyState;
  /** Bumped when a failed copy is replaced by a new one: a new ClientToken and name. */
  generation: number;
  attempt: number;
  nextAttemptAt: Date;
  kmsKeyId: string | null;
  imageId: string | null;
  imageName: string | null;
  clientToken: string | null;
  snapshotIds: string[];
  failureCode: string | null;
  failureReason: string | null;
  requestedBy: string;
  correlationId: string;
  releasedSpecVersion: number | null;
  releasedAt: Date | null;
  createdAt: Date;
  slotAt: Date | null;
  copyStartedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  leaseOwner: string | null;
  leaseEpoch: number;
}

export function toCopyJob(r: any): CopyJob {
  return {
    id: r.id,
    family: r.family,
    version: r.version,
    sourceRegion: r.source_region,
    sourceImageId: r.source_image_id,
    region: r.region,
    account: r.account ?? null,
    roleName: r.role_name ?? null,
    state: r.state,
    generation: r.generation,
    attempt: r.attempt,
    nextAttemptAt: r.next_attempt_at,
    kmsKeyId: r.kms_key_id,
    imageId: r.image_id,
    imageName: r.image_name,
    clientToken: r.client_token,
    snapshotIds: r.snapshot_ids ?? [],
    failureCode: r.failure_code,
    failureReason: r.failure_reason,
    requestedBy: r.requested_by,
    correlationId: r.correlation_id,
    releasedSpecVersion: r.released_spec_version,
    releasedAt: r.released_at,
    createdAt: r.created_at,
    slotAt: r.slot_at,
    copyStartedAt: r.copy_started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
    leaseOwner: r.lease_owner,
    leaseEpoch: Number(r.lease_epoch),
  };
}

/** The public view of a job (HTTP and gRPC). */
export function copyJobView(job: CopyJob) {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: job.id,
    family: job.family,
    version: job.version,
    sourceRegion: job.sourceRegion,
    sourceImageId: job.sourceImageId,
    region: job.region,
    account: job.account,
    state: job.state,
    generation: job.generation,
    attempt: job.attempt,
    kmsKeyId: job.kmsKeyId,
    imageId: job.imageId,
    imageName: job.imageName,
    snapshotIds: job.snapshotIds,
    failureCode: job.failureCode,
    failureReason: job.failureReason,
    requestedBy: job.requestedBy,
    releasedSpecVersion: job.releasedSpecVersion,
    createdAt: iso(job.createdAt),
    copyStartedAt: iso(job.copyStartedAt),
    finishedAt: iso(job.finishedAt),
    nextAttemptAt: ['queued', 'starting', 'copying'].includes(job.state)
      ? iso(job.nextAttemptAt)
      : null,
  };
}
