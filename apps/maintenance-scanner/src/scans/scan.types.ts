import type { FamilySpec, RebuildCause } from '@ami/contracts';

/** A family as the scanner holds it: its maintenance slice, and its scan job. */
export interface ScanFamily {
  family: string;
  specVersion: number;
  source: FamilySpec['source'];
  /** Where it is built; null for a family without a build recipe (imported only): never rebuilt. */
  buildRegion: string | null;
  maintenance: FamilySpec['maintenance'];
  parentFamily: string | null;
  parentChannel: string | null;
  nextScanAt: Date;
  scanCause: string;
  scanGeneration: number;
  findingsDigest: string | null;
  consecutiveFailures: number;
  lastFailureReason: string | null;
  suspendedAt: Date | null;
}

export interface ScanVersion {
  family: string;
  version: string;
  origin: 'built' | 'imported';
  builtAt: Date;
  sourceImageId: string | null;
  parentFamily: string | null;
  parentVersion: string | null;
}

export const ASK_STATES = [
  'asked',
  'building',
  'succeeded',
  'failed',
  'rejected',
  'superseded',
] as const;
export type AskState = (typeof ASK_STATES)[number];

/** The cause that started a cascade, carried by every generation's rebuild. */
export interface CascadeOrigin {
  family: string;
  cause: string;
  causeKey: string;
  requestId: string | null;
}

/** A rebuild the scanner asked for: its request event's id, the cause, and what came of it. */
export interface RebuildAsk {
  id: string;
  family: string;
  cause: RebuildCause;
  causeKey: string;
  attempt: number;
  idempotencyKey: string;
  reason: string;
  state: AskState;
  buildId: string | null;
  outcomeReason: string | null;
  askedAt: Date;
  settledAt: Date | null;
  origin?: CascadeOrigin | null;
  correlationId?: string;
}

export const toScanFamily = (r: any): ScanFamily => ({
  family: r.id,
  specVersion: r.spec_version,
  source: r.source,
  buildRegion: r.build_region,
  maintenance: r.maintenance,
  parentFamily: r.parent_family,
  parentChannel: r.parent_channel,
  nextScanAt: new Date(r.next_scan_at),
  scanCause: r.scan_cause,
  scanGeneration: Number(r.scan_generation),
  findingsDigest: r.findings_digest,
  consecutiveFailures: r.consecutive_failures,
  lastFailureReason: r.last_failure_reason,
  suspendedAt: r.suspended_at ? new Date(r.suspended_at) : null,
});

export const toScanVersion = (r: any): ScanVersion => ({
  family: r.family,
  version: r.version,
  origin: r.origin,
  builtAt: new Date(r.built_at),
  sourceImageId: r.source_image_id,
  parentFamily: r.parent_family,
  parentVersion: r.parent_version,
});

export const toRebuildAsk = (r: any): RebuildAsk => ({
  id: r.id,
  family: r.family,
  cause: r.cause,
  causeKey: r.cause_key,
  attempt: r.attempt,
  idempotencyKey: r.idempotency_key,
  reason: r.reason,
  state: r.state,
  buildId: r.build_id,
  outcomeReason: r.outcome_reason,
  askedAt: new Date(r.asked_at),
  settledAt: r.settled_at ? new Date(r.settled_at) : null,
  origin: r.origin ?? null,
  correlationId: r.correlation_id,
});
