/**
 * Retention, as pure rules: which versions of a family are kept and why, and which stages
 * (deprecate, disable, retire) are due for the others. The copies themselves are compared with
 * these verdicts in retention-plan.ts.
 */

export type Stage = 'deprecate' | 'disable' | 'retire';

export interface RetentionPolicy {
  keepLatest: number;
  channelWindowDays: number;
  deprecateAfterDays?: number;
  disableAfterDays?: number;
  retireAfterDays?: number;
  perRunCap: number;
}

export interface VersionFacts {
  version: string;
  builtAt: Date;
  /** An operator restored it (or asked to keep it): retention leaves it alone. */
  heldReason: string | null;
}

/** One pointer a channel had: to `version` from `since` until `until` (null: it still does). */
export interface ChannelSpan {
  channel: string;
  version: string;
  since: Date;
  until: Date | null;
}

export type KeepReason =
  | { kind: 'latest'; rank: number }
  | { kind: 'channel'; channel: string }
  | { kind: 'channel-window'; channel: string; until: Date }
  | { kind: 'held'; reason: string }
  | { kind: 'no-policy' }
  | { kind: 'not-yet-due'; stage: Stage; at: Date };

export interface Verdict {
  version: string;
  /** Why it is kept as it is; empty when a stage is due. */
  kept: KeepReason[];
  /** The stages due now, in order; at most the furthest matters (retire implies the rest). */
  due: Stage[];
  /** When the version stopped being kept (latest and channel windows), null while it is kept. */
  eligibleAt: Date | null;
  /** The policy's deprecation time once eligible; EnableImageDeprecation is sent when it has come. */
  deprecateAt: Date | null;
}

const DAY_MS = 86_400_000;
const plusDays = (at: Date, days: number) => new Date(at.getTime() + days * DAY_MS);
const later = (a: Date, b: Date) => (a > b ? a : b);

/** Newest first; ties broken by version name, so the order is stable. */
export function newestFirst<T extends { builtAt: Date; version: string }>(versions: T[]): T[] {
  return [...versions].sort(
    (a, b) => b.builtAt.getTime() - a.builtAt.getTime() || b.version.localeCompare(a.version),
  );
}

/** Judges every version of a family against its policy at `now`. */
export function judge(
  versions: VersionFacts[],
  channels: ChannelSpan[],
  policy: RetentionPolicy,
  now: Date,
): Verdict[] {
  const ordered = newestFirst(versions);
  return ordered.map((v, rank) => {
    const kept: KeepReason[] = [];
    if (rank < policy.keepLatest) kept.push({ kind: 'latest', rank: rank + 1 });
    const spans = channels.filter((c) => c.version === v.version);
    let channelFreeAt: Date | null = null;
    for (const span of spans) {
      if (span.until === null) {
        kept.push({ kind: 'channel', channel: span.channel });
        continue;
      }
      const until = plusDays(span.until, policy.channelWindowDays);
      if (until > now) kept.push({ kind: 'channel-window', channel: span.channel, until });
      channelFreeAt = channelFreeAt ? later(channelFreeAt, until) : until;
    }
    if (v.heldReason) kept.push({ kind: 'held', reason: v.heldReason });
    if (kept.length > 0)
      return { version: v.version, kept, due: [], eligibleAt: null, deprecateAt: null };
    // Out of the newest keepLatest since the keepLatest-th newer version was built.
    const pushedOutBy = ordered[rank - policy.keepLatest]!;
    const eligibleAt = channelFreeAt
      ? later(pushedOutBy.builtAt, channelFreeAt)
      : pushedOutBy.builtAt;
    if (policy.deprecateAfterDays === undefined)
      return {
        version: v.version,
        kept: [{ kind: 'no-policy' }],
        due: [],
        eligibleAt,
        deprecateAt: null,
      };
    const deprecateAt = plusDays(eligibleAt, policy.deprecateAfterDays);
    if (deprecateAt > now)
      return {
        version: v.version,
        kept: [{ kind: 'not-yet-due', stage: 'deprecate', at: deprecateAt }],
        due: [],
        eligibleAt,
        deprecateAt,
      };
    const due: Stage[] = ['deprecate'];
    const next: KeepReason[] = [];
    for (const [stage, days] of [
      ['disable', policy.disableAfterDays],
      ['retire', policy.retireAfterDays],
    ] as const) {
      if (days === undefined) continue;
      const at = plusDays(eligibleAt, days);
      if (at <= now) due.push(stage);
      else if (next.length === 0) next.push({ kind: 'not-yet-due', stage, at });
    }
    return { version: v.version, kept: next, due, eligibleAt, deprecateAt };
  });
}

/** The furthest stage a verdict calls for, or null for a kept version. */
export function furthestStage(verdict: Verdict): Stage | null {
  return verdict.due.at(-1) ?? null;
}

/** Words for a reason a version is kept, for plans and reports. */
export function describeKeep(reason: KeepReason): string {
  switch (reason.kind) {
    case 'latest':
      return `one of the newest versions (#${reason.rank})`;
    case 'channel':
      return `channel ${reason.channel} points to it`;
    case 'channel-window':
      return `channel ${reason.channel} pointed to it; kept for rollback until ${reason.until.toISOString()}`;
    case 'held':
      return `held: ${reason.reason}`;
    case 'no-policy':
      return 'the family has no deprecateAfterDays: retention only reports';
    case 'not-yet-due':
      return `${reason.stage} is due at ${reason.at.toISOString()}`;
  }
}
