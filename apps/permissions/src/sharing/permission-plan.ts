import type { PermissionDifference } from '@ami/contracts';
import type { DesiredPermissions } from './desired-state.js';
import { principalKey, uniquePrincipals, type Principal } from './principal.js';

/** What EC2 says a copy is shared with: the image's launchPermission and each snapshot's createVolumePermission. */
export type ActualPermissions = {
  launch: Principal[];
  snapshots: Record<string, Principal[]>;
};

/** What the platform last put in place on a copy; null before the first apply. */
export interface AppliedPermissions {
  launch: Principal[];
  volume: string[];
}

export interface AttributeChange {
  add: Principal[];
  remove: Principal[];
}

export interface PermissionPlan {
  image: AttributeChange;
  snapshots: Array<{ snapshotId: string } & AttributeChange>;
  /** Every difference that is not the platform's own doing (actual moved away from applied). */
  drift: PermissionDifference[];
  /** The drift this plan undoes (all of it in repair mode; public grants only in report-only). */
  repairs: PermissionDifference[];
  /** Changes the platform wants (new desired state), as opposed to drift repairs. */
  intended: number;
}

type Mode = 'repair' | 'report-only';

interface Classified {
  change: AttributeChange;
  drift: PermissionDifference[];
  repairs: PermissionDifference[];
  intended: number;
}

/**
 * Compares one attribute (launchPermission or one snapshot's createVolumePermission):
 * - desired and absent: an intended addition, or drift ("missing") if the platform had applied it;
 * - present and not desired: an intended removal if the platform had applied it, else drift
 *   ("unexpected"). A public grant nobody applied is removed whatever the mode.
 * Drift is repaired only in repair mode; intended changes always go out, except that a
 * frozen (deprecated) copy gets no new principals.
 */
function classify(
  resource: PermissionDifference['resource'],
  resourceId: string,
  desired: Principal[],
  actual: Principal[],
  applied: Principal[],
  mode: Mode,
  additionsAllowed: boolean,
): Classified {
  const keys = (ps: Principal[]) => new Set(ps.map(principalKey));
  const [want, have, had] = [keys(desired), keys(actual), keys(applied)];
  const out: Classified = { change: { add: [], remove: [] }, drift: [], repairs: [], intended: 0 };
  for (const p of desired) {
    if (have.has(principalKey(p))) continue;
    if (had.has(principalKey(p))) {
      const difference = { resource, resourceId, principal: p, change: 'missing' as const };
      out.drift.push(difference);
      if (mode === 'repair') {
        out.repairs.push(difference);
        out.change.add.push(p);
      }
    } else if (additionsAllowed) {
      out.intended++;
      out.change.add.push(p);
    }
  }
  for (const p of actual) {
    if (want.has(principalKey(p))) continue;
    if (had.has(principalKey(p))) {
      out.intended++;
      out.change.remove.push(p);
      continue;
    }
    const difference = { resource, resourceId, principal: p, change: 'unexpected' as const };
    out.drift.push(difference);
    if (mode === 'repair' || p.kind === 'public') {
      out.repairs.push(difference);
      out.change.remove.push(p);
    }
  }
  return out;
}

/** The calls that bring a copy from its actual permissions to the desired ones, and the drift among them. */
export function planPermissions(input: {
  imageId: string;
  desired: DesiredPermissions;
  actual: ActualPermissions;
  applied: AppliedPermissions | null;
  mode: Mode;
}): PermissionPlan {
  const { desired, actual, mode } = input;
  const applied = input.applied ?? { launch: [], volume: [] };
  const image = classify(
    'image',
    input.imageId,
    desired.launch,
    actual.launch,
    applied.launch,
    mode,
    desired.additionsAllowed,
  );
  const asAccounts = (ids: string[]): Principal[] =>
    ids.map((value) => ({ kind: 'account' as const, value }));
  const snapshots = Object.keys(actual.snapshots)
    .sort()
    .map((snapshotId) => ({
      snapshotId,
      ...classify(
        'snapshot',
        snapshotId,
        asAccounts(desired.volume),
        actual.snapshots[snapshotId] ?? [],
        asAccounts(applied.volume),
        mode,
        desired.additionsAllowed,
      ),
    }));
  return {
    image: image.change,
    snapshots: snapshots.map((s) => ({ snapshotId: s.snapshotId, ...s.change })),
    drift: [...image.drift, ...snapshots.flatMap((s) => s.drift)],
    repairs: [...image.repairs, ...snapshots.flatMap((s) => s.repairs)],
    intended: image.intended + snapshots.reduce((n, s) => n + s.intended, 0),
  };
}

export function isEmptyPlan(plan: PermissionPlan): boolean {
  const empty = (c: AttributeChange) => c.add.length === 0 && c.remove.length === 0;
  return empty(plan.image) && plan.snapshots.every(empty);
}

/** The actual state after the changes that went through. */
export function afterChanges(
  actual: ActualPermissions,
  done: { image: AttributeChange; snapshots: Array<{ snapshotId: string } & AttributeChange> },
): ActualPermissions {
  const apply = (current: Principal[], change: AttributeChange) => {
    const removed = new Set(change.remove.map(principalKey));
    return uniquePrincipals([
      ...current.filter((p) => !removed.has(principalKey(p))),
      ...change.add,
    ]);
  };
  const snapshots: Record<string, Principal[]> = {};
  for (const [id, current] of Object.entries(actual.snapshots)) {
    const change = done.snapshots.find((s) => s.snapshotId === id) ?? { add: [], remove: [] };
    snapshots[id] = apply(current, change);
  }
  return { launch: apply(actual.launch, done.image), snapshots };
}

/**
 * What the platform has now put in place: the desired principals that are there, plus those
 * it had applied before and still wants (drift left unrepaired in report-only mode stays
 * "applied", so it is reported again rather than mistaken for a new addition), plus those it
 * failed to remove (still its own, so the next pass removes them as intended).
 */
export function nextApplied(
  desired: DesiredPermissions,
  previous: AppliedPermissions | null,
  after: ActualPermissions,
  failedRemovals: Principal[],
): AppliedPermissions {
  const had = new Set((previous?.launch ?? []).map(principalKey));
  const present = new Set(after.launch.map(principalKey));
  const failed = new Set(failedRemovals.map(principalKey));
  const launch = uniquePrincipals([
    ...desired.launch.filter((p) => present.has(principalKey(p)) || had.has(principalKey(p))),
    ...(previous?.launch ?? []).filter((p) => failed.has(principalKey(p))),
  ]);
  const snapshotLists = Object.values(after.snapshots);
  const onEvery = (account: string) =>
    snapshotLists.every((ps) => ps.some((p) => p.kind === 'account' && p.value === account));
  const hadVolume = new Set(previous?.volume ?? []);
  const volume = desired.volume.filter((a) => onEvery(a) || hadVolume.has(a)).sort();
  return { launch, volume };
}
