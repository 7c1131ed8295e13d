import {
  describeKeep,
  furthestStage,
  type RetentionPolicy,
  type Stage,
  type Verdict,
} from './retention-rules.js';

/** One regional copy of a version, in the platform's account or another (`account`). */
export interface Copy {
  version: string;
  account: string;
  region: string;
  imageId: string;
}

/** What the inventory saw of a copy in AWS. */
export interface CopyState {
  deprecationTime: Date | null;
  disabled: boolean;
  /** Deregistration protection is on (or in its cooldown). */
  protected: boolean;
  snapshots: { snapshotId: string; sizeGiB: number }[];
}

/** Where an image is used (an instance, a launch template, a parameter). */
export interface Use {
  kind: string;
  id: string;
}

export type ActionKind = 'deprecate' | 'disable' | 'deregister' | 'delete-snapshot';

export interface PlannedAction {
  version: string;
  account: string;
  region: string;
  imageId: string;
  action: ActionKind;
  snapshotId: string | null;
  bytes: number;
  deprecateAt: Date | null;
}

export interface KeptVersion {
  version: string;
  reasons: string[];
  /** Where it is used, when that is why it is kept. */
  usedBy?: { imageId: string; region: string; account: string; uses: Use[] }[];
}

export interface PlanContent {
  actions: PlannedAction[];
  kept: KeptVersion[];
  /** Snapshots of retired copies that stay because another image uses them. */
  sharedSnapshots: { snapshotId: string; region: string; usedBy: string[] }[];
  bytesRecovered: number;
}

export interface PlanInputs {
  verdicts: Verdict[];
  copies: Copy[];
  /** By image id; a copy missing here is gone already (nothing to do). */
  states: Map<string, CopyState>;
  /** By image id; absent or empty: not used. */
  uses: Map<string, Use[]>;
  /** Per snapshot id, every image (in the inventory) that uses it. */
  snapshotUsers: Map<string, string[]>;
  policy: RetentionPolicy;
  now: Date;
}

const GIB = 1024 ** 3;
const MINUTE_MS = 60_000;
const ORDER: ActionKind[] = ['deprecate', 'disable', 'deregister', 'delete-snapshot'];

/**
 * The plan for one family: for each version with a stage due, the actions that bring every copy
 * there, unless the version is used anywhere (then nothing is touched and the uses are
 * reported), a copy is protected from deregistration (it goes no further than disable), or
 * the run's cap on retirements is reached. Actions are ordered deprecate, disable, deregister,
 * delete-snapshot, so executing them in order never deletes a snapshot before its image.
 */
export function planRetention(inputs: PlanInputs): PlanContent {
  const { verdicts, policy } = inputs;
  const actions: PlannedAction[] = [];
  const kept: KeptVersion[] = [];
  const sharedSnapshots: PlanContent['sharedSnapshots'] = [];
  let retiring = 0;
  const retired = new Set(
    verdicts
      .filter((v) => furthestStage(v) === 'retire')
      .flatMap((v) => imagesOf(inputs, v.version)),
  );
  for (const verdict of newestLast(verdicts)) {
    const reasons = verdict.kept.map(describeKeep);
    let stage = furthestStage(verdict);
    const copies = inputs.copies
      .filter((c) => c.version === verdict.version)
      .filter((c) => inputs.states.has(c.imageId));
    if (copies.length === 0) continue; // retired already: nothing of it is left
    if (stage === null) {
      kept.push({ version: verdict.version, reasons });
      continue;
    }
    const usedBy = copies
      .map((c) => ({ ...where(c), uses: inputs.uses.get(c.imageId) ?? [] }))
      .filter((u) => u.uses.length > 0);
    if (usedBy.length > 0) {
      kept.push({ version: verdict.version, reasons: [`in use; ${stage} is due`], usedBy });
      continue;
    }
    if (stage === 'retire') {
      const guarded = copies.filter((c) => inputs.states.get(c.imageId)!.protected);
      if (guarded.length > 0) {
        reasons.push(
          `deregistration protection is on for ${guarded.map((c) => `${c.imageId} (${c.region})`).join(', ')}`,
        );
        stage = fallBack(verdict);
      } else if (retiring >= policy.perRunCap) {
        reasons.push(
          `the per-run cap of ${policy.perRunCap} retirements is reached; it waits for the next run`,
        );
        stage = fallBack(verdict);
      } else retiring += 1;
    }
    if (reasons.length > 0) kept.push({ version: verdict.version, reasons });
    if (stage === null) continue;
    for (const copy of copies) {
      const state = inputs.states.get(copy.imageId)!;
      const base = { ...copy, snapshotId: null, bytes: 0, deprecateAt: null };
      if (stage === 'retire') {
        actions.push({ ...base, action: 'deregister' });
        for (const s of state.snapshots) {
          const others = (inputs.snapshotUsers.get(s.snapshotId) ?? []).filter(
            (id) => id !== copy.imageId && !retired.has(id),
          );
          if (others.length > 0) {
            sharedSnapshots.push({ snapshotId: s.snapshotId, region: copy.region, usedBy: others });
            continue;
          }
          if (actions.some((a) => a.snapshotId === s.snapshotId && a.region === copy.region))
            continue;
          actions.push({
            ...base,
            action: 'delete-snapshot',
            snapshotId: s.snapshotId,
            bytes: s.sizeGiB * GIB,
          });
        }
        continue;
      }
      const deprecateAt = deprecationFor(verdict, inputs.now);
      if (!isDeprecatedBy(state, deprecateAt))
        actions.push({ ...base, action: 'deprecate', deprecateAt });
      if (stage === 'disable' && !state.disabled) actions.push({ ...base, action: 'disable' });
    }
  }
  actions.sort(
    (a, b) =>
      ORDER.indexOf(a.action) - ORDER.indexOf(b.action) ||
      a.version.localeCompare(b.version) ||
      a.account.localeCompare(b.account) ||
      a.region.localeCompare(b.region) ||
      (a.snapshotId ?? '').localeCompare(b.snapshotId ?? ''),
  );
  return {
    actions,
    kept,
    sharedSnapshots,
    bytesRecovered: actions.reduce((sum, a) => sum + a.bytes, 0),
  };
}

/** The stage below retire that is also due (protected or capped versions still age). */
function fallBack(verdict: Verdict): Stage | null {
  return verdict.due.filter((s) => s !== 'retire').at(-1) ?? null;
}

/** The policy's deprecation time, but never in the past (EC2 refuses that): now, at the minute. */
function deprecationFor(verdict: Verdict, now: Date): Date {
  const at = verdict.deprecateAt ?? now;
  return at > now ? at : new Date(Math.ceil(now.getTime() / MINUTE_MS) * MINUTE_MS);
}

/** Deprecated already, no later than the policy asks (EC2 keeps the time to the minute). */
function isDeprecatedBy(state: CopyState, at: Date): boolean {
  return (
    state.deprecationTime !== null && state.deprecationTime.getTime() <= at.getTime() + MINUTE_MS
  );
}

/** Oldest versions first, so a per-run cap retires the oldest. */
function newestLast(verdicts: Verdict[]): Verdict[] {
  return [...verdicts].reverse();
}

function imagesOf(inputs: PlanInputs, version: string): string[] {
  return inputs.copies.filter((c) => c.version === version).map((c) => c.imageId);
}

function where(copy: Copy) {
  return { imageId: copy.imageId, region: copy.region, account: copy.account };
}
