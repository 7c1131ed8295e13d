import type { MaintenanceFindings, RebuildCause } from '@ami/contracts';
import type { CascadeOrigin, RebuildAsk, ScanFamily, ScanVersion } from './scan.types.js';

const DAY_MS = 86_400_000;

/** What the AWS lookups said about a family's source in its build region. */
export type SourceLookup =
  | { kind: 'resolved'; imageId: string }
  | { kind: 'unresolvable'; reason: string }
  /** Not looked up: an AMI id or a parent family, or rebuildOnSourceChange is off. */
  | { kind: 'not-looked-up' };

/** The parent family's channel as the scanner holds it, and whether its image is where the child builds. */
export interface ParentPointer {
  family: string;
  channel: string;
  version: string;
  availableInBuildRegion: boolean;
}

export interface ScanInput {
  family: ScanFamily;
  latest: ScanVersion | null;
  source: SourceLookup;
  /** The image the latest version was built from is deprecated in AWS. */
  builtFromDeprecated: boolean;
  parent: ParentPointer | null;
  /** Revoked versions among the latest version's ancestors, nearest first. */
  revokedAncestors: RevokedAncestor[];
  asks: RebuildAsk[];
  now: Date;
}

export interface RevokedAncestor {
  family: string;
  version: string;
  reason: string;
  /** 1: the parent version, 2: its parent, ... */
  generation: number;
}

/** A cause found, and the key that names it (one rebuild per key, however often it is found). */
export interface FoundCause {
  cause: RebuildCause;
  causeKey: string;
  reason: string;
  /** Stale rebuilds use the same source and recipe: the builder must not skip them. */
  force: boolean;
}

export interface RetryPolicy {
  maxFailures: number;
  /** Delay after the n-th failed ask of one cause before it is asked again. */
  backoffMs(attempt: number): number;
}

/** A rebuild to ask for now. */
export interface AskDecision extends FoundCause {
  attempt: number;
  idempotencyKey: string;
  /** For a cascade: the cause that started it (set by the worker). */
  origin?: CascadeOrigin | null;
  /** For a cascade: the correlation id of the rebuild that started it. */
  correlationId?: string;
}

/**
 * The rebuild causes of one family, most specific first: its parent's channel moved (and the
 * new parent image is in the child's build region), its source resolves to another image, or
 * its latest version is older than maxAgeDays. A family never built, or without a build
 * recipe, has no cause: the scanner keeps images fresh, it does not make the first one.
 */
export function findCauses(input: ScanInput): FoundCause[] {
  const { family, latest, source, parent, now } = input;
  if (!latest || family.buildRegion === null) return [];
  const causes: FoundCause[] = [];
  const revokedParent = input.revokedAncestors.find((a) => a.generation === 1);
  // Rebuilt from the parent's channel once it points to a good version again (the catalog
  // falls channels back on revocation) that is in the build region.
  if (
    revokedParent &&
    parent &&
    parent.availableInBuildRegion &&
    parent.version !== revokedParent.version
  )
    causes.push({
      cause: 'parent-revoked',
      causeKey: `parent-revoked:${revokedParent.family}/${revokedParent.version}`,
      reason: `parent version ${revokedParent.family} ${revokedParent.version} was revoked (${revokedParent.reason}); rebuilding from ${parent.channel} ${parent.version}`,
      force: false,
    });
  if (parent && parent.availableInBuildRegion && parent.version !== latest.parentVersion)
    causes.push({
      cause: 'parent-moved',
      causeKey: `parent-moved:${parent.family}/${parent.channel}:${parent.version}`,
      reason: `parent ${parent.family} ${parent.channel} moved to ${parent.version} (built from ${latest.parentVersion ?? 'none'})`,
      force: false,
    });
  if (source.kind === 'resolved' && source.imageId !== latest.sourceImageId)
    causes.push({
      cause: 'source-moved',
      causeKey: `source-moved:${source.imageId}`,
      reason: `source now resolves to ${source.imageId} (version ${latest.version} was built from ${latest.sourceImageId ?? 'unknown'})`,
      force: false,
    });
  const maxAge = family.maintenance.maxAgeDays;
  if (maxAge !== undefined && now.getTime() - latest.builtAt.getTime() > maxAge * DAY_MS)
    causes.push({
      cause: 'stale',
      causeKey: `stale:${latest.version}`,
      reason: `version ${latest.version} is ${ageDays(latest, now).toFixed(1)} days old (maxAgeDays ${maxAge})`,
      force: true,
    });
  return causes;
}

/**
 * Whether to ask for a rebuild now, and under which idempotency key. One rebuild at a time
 * per family; a cause already asked for is never asked again, unless its rebuild failed, and
 * then only after a backoff and at most maxFailures times in a row (then the family is
 * suspended until its spec changes or someone asks for a rebuild by hand).
 */
export function decideAsk(
  family: ScanFamily,
  cause: FoundCause | undefined,
  asks: RebuildAsk[],
  policy: RetryPolicy,
  now: Date,
): AskDecision | null {
  if (!cause || family.suspendedAt !== null) return null;
  if (asks.some((a) => a.state === 'asked' || a.state === 'building')) return null;
  const last = lastAskOf(asks, cause.causeKey);
  let attempt = 1;
  if (last) {
    if (last.state !== 'failed' && last.state !== 'rejected') return null;
    if (family.consecutiveFailures >= policy.maxFailures) return null;
    const settled = (last.settledAt ?? last.askedAt).getTime();
    if (now.getTime() < settled + policy.backoffMs(last.attempt)) return null;
    attempt = last.attempt + 1;
  }
  const base = `maintenance:${cause.causeKey}`;
  return { ...cause, attempt, idempotencyKey: attempt === 1 ? base : `${base}#${attempt}` };
}

/** The latest attempt asked for one cause. */
function lastAskOf(asks: RebuildAsk[], causeKey: string): RebuildAsk | undefined {
  return asks
    .filter((a) => a.causeKey === causeKey)
    .reduce<RebuildAsk | undefined>(
      (last, a) => (last && last.attempt > a.attempt ? last : a),
      undefined,
    );
}

const ageDays = (v: ScanVersion, now: Date) => (now.getTime() - v.builtAt.getTime()) / DAY_MS;

/** The family's report: what the scan saw, whatever it asked for. */
export function findingsOf(input: ScanInput): MaintenanceFindings {
  const { family, latest, source, parent, asks, now } = input;
  const maxAge = family.maintenance.maxAgeDays ?? null;
  const age = latest ? Math.round(ageDays(latest, now) * 100) / 100 : null;
  return {
    family: family.family,
    scannedAt: now.toISOString(),
    lastBuild: latest
      ? {
          version: latest.version,
          builtAt: latest.builtAt.toISOString(),
          sourceImageId: latest.sourceImageId,
        }
      : null,
    ageDays: age,
    stale: maxAge !== null && age !== null && age > maxAge,
    maxAgeDays: maxAge,
    sourceMoved:
      latest && source.kind === 'resolved' && source.imageId !== latest.sourceImageId
        ? { from: latest.sourceImageId, to: source.imageId }
        : null,
    sourceDeprecated: input.builtFromDeprecated,
    sourceUnresolvable: source.kind === 'unresolvable' ? source.reason : null,
    parentMoved:
      latest && parent && parent.version !== latest.parentVersion
        ? {
            family: parent.family,
            channel: parent.channel,
            from: latest.parentVersion,
            to: parent.version,
            availableInBuildRegion: parent.availableInBuildRegion,
          }
        : null,
    revokedAncestors: input.revokedAncestors,
    pendingRebuilds: asks
      .filter((a) => a.state === 'asked' || a.state === 'building')
      .map((a) => ({
        requestId: a.id,
        cause: a.cause,
        idempotencyKey: a.idempotencyKey,
        state: a.state,
        buildId: a.buildId,
        askedAt: a.askedAt.toISOString(),
      })),
    failingRebuilds: {
      consecutiveFailures: family.consecutiveFailures,
      suspended: family.suspendedAt !== null,
      lastReason: family.lastFailureReason,
    },
  };
}

/**
 * When a cause whose last rebuild failed may be asked again (null when it may not, or may
 * already): the scan is due then, not only at the next scheduled time.
 */
export function retryDueAt(
  family: ScanFamily,
  cause: FoundCause | undefined,
  asks: RebuildAsk[],
  policy: RetryPolicy,
  now: Date,
): Date | null {
  if (!cause || family.suspendedAt !== null || family.consecutiveFailures >= policy.maxFailures)
    return null;
  const last = lastAskOf(asks, cause.causeKey);
  if (!last || (last.state !== 'failed' && last.state !== 'rejected')) return null;
  const due = (last.settledAt ?? last.askedAt).getTime() + policy.backoffMs(last.attempt);
  return due > now.getTime() ? new Date(due) : null;
}
