import {
  DescribeImageAttributeCommand,
  DescribeSnapshotAttributeCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import { Inject, Injectable } from '@nestjs/common';
import { classifyAwsError, Ec2Gateway } from '@ami/aws';
import type { PrincipalRefusal } from '../sharing/desired-state.js';
import type { ActualPermissions, AttributeChange } from '../sharing/permission-plan.js';
import { fromEc2, PUBLIC, toEc2, uniquePrincipals, type Principal } from '../sharing/principal.js';

/** Where a copy lives and what it is called: enough to read and write its permissions. */
export interface CopyAddress {
  region: string;
  account: string;
  imageId: string;
}

export interface ChangeOutcome {
  /** What went through. */
  done: AttributeChange;
  /** Principals EC2 refused, with its reason; the rest of the change still went through. */
  failed: PrincipalRefusal[];
}

/**
 * The copy's permissions as EC2 holds them, through the gateway (paced per account x region x
 * action). Reads: one DescribeImages per region batch, one DescribeImageAttribute per copy and
 * one DescribeSnapshotAttribute per snapshot. Writes: one Modify call per attribute that
 * changes, split per principal only when EC2 refuses the batch, to find who it refuses.
 */
@Injectable()
export class Ec2Permissions {
  constructor(@Inject(Ec2Gateway) private readonly ec2: Ec2Gateway) {}

  images(region: string, account: string, imageIds: string[]): Promise<Image[]> {
    return this.ec2.describeImagesByIds(region, imageIds, { account });
  }

  async blockPublicAccess(region: string, account: string): Promise<string> {
    const out = await this.ec2.send(region, new GetImageBlockPublicAccessStateCommand({}), {
      account,
    });
    return out.ImageBlockPublicAccessState ?? 'unknown';
  }

  async read(copy: CopyAddress, snapshotIds: string[]): Promise<ActualPermissions> {
    const image = await this.ec2.send(
      copy.region,
      new DescribeImageAttributeCommand({ ImageId: copy.imageId, Attribute: 'launchPermission' }),
      { account: copy.account },
    );
    const snapshots: Record<string, Principal[]> = {};
    for (const snapshotId of snapshotIds) {
      const out = await this.ec2.send(
        copy.region,
        new DescribeSnapshotAttributeCommand({
          SnapshotId: snapshotId,
          Attribute: 'createVolumePermission',
        }),
        { account: copy.account },
      );
      snapshots[snapshotId] = uniquePrincipals(
        (out.CreateVolumePermissions ?? []).map((p) =>
          p.Group === 'all' ? PUBLIC : { kind: 'account' as const, value: p.UserId ?? '' },
        ),
      ).filter((p) => p.value !== '');
    }
    return {
      launch: uniquePrincipals(
        (image.LaunchPermissions ?? []).map(fromEc2).filter((p): p is Principal => p !== null),
      ),
      snapshots,
    };
  }

  modifyImage(copy: CopyAddress, change: AttributeChange): Promise<ChangeOutcome> {
    return this.isolating(change, (c) =>
      this.ec2.send(
        copy.region,
        new ModifyImageAttributeCommand({
          ImageId: copy.imageId,
          LaunchPermission: {
            ...(c.add.length ? { Add: c.add.map(toEc2) } : {}),
            ...(c.remove.length ? { Remove: c.remove.map(toEc2) } : {}),
          },
        }),
        { account: copy.account },
      ),
    );
  }

  /**
   * Snapshots take the OperationType form (one call to add, one to remove): EC2 accepts it and
   * the emulator honours only it.
   */
  async modifySnapshot(
    copy: CopyAddress,
    snapshotId: string,
    change: AttributeChange,
  ): Promise<ChangeOutcome> {
    const send = (operation: 'add' | 'remove', principals: Principal[]) =>
      this.isolating(
        operation === 'add' ? { add: principals, remove: [] } : { add: [], remove: principals },
        (c) => {
          const list = operation === 'add' ? c.add : c.remove;
          const users = list.filter((p) => p.kind === 'account').map((p) => p.value);
          const groups = list.some((p) => p.kind === 'public') ? ['all' as const] : [];
          return this.ec2.send(
            copy.region,
            new ModifySnapshotAttributeCommand({
              SnapshotId: snapshotId,
              Attribute: 'createVolumePermission',
              OperationType: operation,
              ...(users.length ? { UserIds: users } : {}),
              ...(groups.length ? { GroupNames: groups } : {}),
            }),
            { account: copy.account },
          );
        },
      );
    const added = await send('add', change.add);
    const removed = await send('remove', change.remove);
    return {
      done: { add: added.done.add, remove: removed.done.remove },
      failed: [...added.failed, ...removed.failed],
    };
  }

  /**
   * Sends the whole change in one call. If EC2 refuses it as a bad request (one unknown
   * organization fails the lot), sends each principal on its own, so the others still apply
   * and the refused ones carry EC2's reason. Throttling, faults and a missing image are not a
   * principal's fault: those are thrown for the pass to retry.
   */
  private async isolating(
    change: AttributeChange,
    send: (c: AttributeChange) => Promise<unknown>,
  ): Promise<ChangeOutcome> {
    const total = change.add.length + change.remove.length;
    if (total === 0) return { done: { add: [], remove: [] }, failed: [] };
    try {
      await send(change);
      return { done: change, failed: [] };
    } catch (error) {
      if (!isPrincipalRefusal(error)) throw error;
      if (total === 1) {
        const principal = (change.add[0] ?? change.remove[0]) as Principal;
        return { done: { add: [], remove: [] }, failed: [{ principal, reason: reasonOf(error) }] };
      }
    }
    const outcome: ChangeOutcome = { done: { add: [], remove: [] }, failed: [] };
    for (const [list, side] of [
      [change.add, 'add'],
      [change.remove, 'remove'],
    ] as const) {
      for (const principal of list) {
        try {
          await send(
            side === 'add' ? { add: [principal], remove: [] } : { add: [], remove: [principal] },
          );
          outcome.done[side].push(principal);
        } catch (error) {
          if (!isPrincipalRefusal(error)) throw error;
          outcome.failed.push({ principal, reason: reasonOf(error) });
        }
      }
    }
    return outcome;
  }
}

/** A client error that is about the request's content, not the image being gone or the caller. */
function isPrincipalRefusal(error: unknown): boolean {
  const c = classifyAwsError(error);
  return c.kind === 'client';
}

function reasonOf(error: unknown): string {
  const c = classifyAwsError(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  const message = cause || (error instanceof Error ? error.message : String(error));
  return `${c.code}: ${message}`;
}
