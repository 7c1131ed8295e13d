import type { PermissionDifference } from '@ami/contracts';
import type { ImageState } from '../copies/managed-copy.js';
import type { DesiredPermissions, PrincipalRefusal } from '../sharing/desired-state.js';
import type {
  ActualPermissions,
  AppliedPermissions,
  AttributeChange,
  PermissionPlan,
} from '../sharing/permission-plan.js';
import { principalKey } from '../sharing/principal.js';

/** Everything one pass over a copy learned and did, for the record and its events. */
export interface PassResult {
  imageState: Exclude<ImageState, 'deregistered'>;
  snapshotIds: string[];
  mode: 'repair' | 'report-only';
  before: ActualPermissions;
  after: ActualPermissions;
  desired: DesiredPermissions;
  applied: AppliedPermissions;
  plan: PermissionPlan;
  done: { image: AttributeChange; snapshots: Array<{ snapshotId: string } & AttributeChange> };
  /** Principals refused by EC2 or by the platform's rules. */
  failures: PrincipalRefusal[];
}

/** The planned repairs that EC2 accepted. */
export function repairsDone(result: PassResult): PermissionDifference[] {
  const wentThrough = (d: PermissionDifference) => {
    const change =
      d.resource === 'image'
        ? result.done.image
        : result.done.snapshots.find((s) => s.snapshotId === d.resourceId);
    const list = d.change === 'missing' ? change?.add : change?.remove;
    return (list ?? []).some((p) => principalKey(p) === principalKey(d.principal));
  };
  return result.plan.repairs.filter(wentThrough);
}

export function changesDone(result: PassResult): number {
  const count = (c: AttributeChange) => c.add.length + c.remove.length;
  return count(result.done.image) + result.done.snapshots.reduce((n, s) => n + count(s), 0);
}
