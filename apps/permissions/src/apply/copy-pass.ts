import type { Image } from '@aws-sdk/client-ec2';
import { Inject, Injectable } from '@nestjs/common';
import { LeaseLostError } from '@ami/jobs';
import { CopiesRepository } from '../copies/copies.repository.js';
import type { ClaimedCopy, ImageState } from '../copies/managed-copy.js';
import {
  desiredPermissions,
  type ManualOverride,
  type PlatformSharingRules,
  type SharingPolicy,
} from '../sharing/desired-state.js';
import {
  afterChanges,
  isEmptyPlan,
  nextApplied,
  planPermissions,
  type AttributeChange,
} from '../sharing/permission-plan.js';
import { Ec2Permissions, type ChangeOutcome } from './ec2-permissions.js';
import type { PassResult } from './pass-result.js';

/** What a pass over one copy needs beside the copy: its family's sharing and the platform's rules. */
export interface PassContext {
  policy: SharingPolicy;
  overrides: ManualOverride[];
  rules: PlatformSharingRules;
  leaseMs: number;
  now: Date;
}

/** EC2's view of an image's lifecycle, as far as sharing cares. */
export function imageStateOf(image: Image, now: Date): Exclude<ImageState, 'deregistered'> {
  if (image.State === 'disabled') return 'disabled';
  if (image.DeprecationTime && new Date(image.DeprecationTime) <= now) return 'deprecated';
  return 'available';
}

/** Snapshots behind an image, from its block device mappings (what EC2 says now). */
export function snapshotsOf(image: Image, known: string[]): string[] {
  const mapped = (image.BlockDeviceMappings ?? [])
    .map((m) => m.Ebs?.SnapshotId)
    .filter((id): id is string => Boolean(id));
  return [...new Set(mapped.length ? mapped : known)].sort();
}

/**
 * One pass over one copy: read what EC2 holds, plan against the desired state, send only the
 * difference (look before you send: a pass cut short and run again sends only what is still
 * missing), and say what happened. The lease is checked before the first write to EC2.
 */
@Injectable()
export class CopyPass {
  constructor(
    @Inject(Ec2Permissions) private readonly ec2: Ec2Permissions,
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
  ) {}

  async run(claim: ClaimedCopy, image: Image, ctx: PassContext): Promise<PassResult> {
    const { copy } = claim;
    const imageState = imageStateOf(image, ctx.now);
    const snapshotIds = snapshotsOf(image, copy.snapshotIds);
    const address = { region: copy.region, account: copy.account, imageId: copy.imageId };
    const before = await this.ec2.read(address, snapshotIds);
    const desired = desiredPermissions({
      policy: ctx.policy,
      overrides: ctx.overrides,
      rules: ctx.rules,
      version: copy.version,
      imageState,
      now: ctx.now,
    });
    const plan = planPermissions({
      imageId: copy.imageId,
      desired,
      actual: before,
      applied: copy.applied,
      mode: ctx.policy.mode,
    });
    const empty: AttributeChange = { add: [], remove: [] };
    const done: PassResult['done'] = { image: empty, snapshots: [] };
    const failures = [...desired.refused];
    if (!isEmptyPlan(plan)) {
      if (!(await this.copies.stillHeld(copy.id, claim.lease, ctx.leaseMs)))
        throw new LeaseLostError('permissions.copies', copy.id, claim.lease);
      const collect = (outcome: ChangeOutcome) => {
        failures.push(...outcome.failed);
        return outcome.done;
      };
      done.image = collect(await this.ec2.modifyImage(address, plan.image));
      for (const s of plan.snapshots) {
        if (s.add.length + s.remove.length === 0) continue;
        const outcome = await this.ec2.modifySnapshot(address, s.snapshotId, s);
        done.snapshots.push({ snapshotId: s.snapshotId, ...collect(outcome) });
      }
    }
    const after = afterChanges(before, done);
    const failedRemovals = failures
      .map((f) => f.principal)
      .filter((p) => plan.image.remove.some((r) => r.kind === p.kind && r.value === p.value));
    return {
      imageState,
      snapshotIds,
      mode: ctx.policy.mode,
      before,
      after,
      desired,
      applied: nextApplied(desired, copy.applied, after, failedRemovals),
      plan,
      done,
      failures,
    };
  }
}
