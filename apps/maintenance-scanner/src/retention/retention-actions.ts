import { Inject, Injectable } from '@nestjs/common';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DisableImageCommand,
  EnableImageDeprecationCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import type { EntityManager } from 'typeorm';
import { classifyAwsError, Ec2Gateway } from '@ami/aws';
import { IMAGE_LIFECYCLE_CHANGED } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { SCANNER_ACTOR } from '../scans/learn-facts.use-case.js';
import type { StoredAction } from './retention.repository.js';

export type Lifecycle = 'deprecated' | 'disabled' | 'deregistered';

export interface ActionResult {
  state: 'done' | 'skipped' | 'failed' | 'retry';
  reason: string | null;
  /** The image's new state, for ami.image.lifecycle-changed. */
  lifecycle: Lifecycle | null;
}

/** What a phase looked up before acting: the images as EC2 has them, and who uses each snapshot. */
export interface Lookups {
  images: Map<string, Image>;
  snapshotUsers: Map<string, string[]>;
}

const MINUTE_MS = 60_000;
const VALUES_PER_FILTER = 200;
const AUDIT_ACTIONS: Record<StoredAction['action'], string> = {
  deprecate: 'image.deprecated',
  disable: 'image.disabled',
  deregister: 'image.deregistered',
  'delete-snapshot': 'snapshot.deleted',
};

/**
 * The EC2 side of each retention action, looking before it sends: an image already deprecated,
 * disabled or gone, or a snapshot already deleted, counts as done, so an answer lost after EC2
 * acted is harmless. A protected image is skipped and reported; a snapshot another image uses
 * is kept. Throttling and server errors are retried later; other refusals fail the action.
 */
@Injectable()
export class RetentionActions {
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  /** One batched look per phase and account x region: the images, or who uses the snapshots. */
  async lookups(
    actions: Pick<StoredAction, 'account' | 'region' | 'imageId' | 'snapshotId'>[],
  ): Promise<Lookups> {
    const images = new Map<string, Image>();
    const snapshotUsers = new Map<string, string[]>();
    const scopes = new Map<string, typeof actions>();
    for (const a of actions) {
      const key = `${a.account}/${a.region}`;
      scopes.set(key, [...(scopes.get(key) ?? []), a]);
    }
    for (const list of scopes.values()) {
      const { account, region } = list[0]!;
      const snapshots = list.flatMap((a) => (a.snapshotId ? [a.snapshotId] : []));
      const [name, values] =
        snapshots.length > 0
          ? ['block-device-mapping.snapshot-id', snapshots]
          : ['image-id', list.map((a) => a.imageId)];
      for (let i = 0; i < values.length; i += VALUES_PER_FILTER)
        for await (const image of this.ec2.eachImage(
          region,
          {
            Owners: ['self'],
            IncludeDisabled: true,
            IncludeDeprecated: true,
            Filters: [{ Name: name, Values: values.slice(i, i + VALUES_PER_FILTER) }],
          },
          { account },
        )) {
          if (!image.ImageId || image.State === 'deregistered') continue;
          images.set(image.ImageId, image);
          for (const m of image.BlockDeviceMappings ?? [])
            if (m.Ebs?.SnapshotId)
              snapshotUsers.set(m.Ebs.SnapshotId, [
                ...(snapshotUsers.get(m.Ebs.SnapshotId) ?? []),
                image.ImageId,
              ]);
        }
    }
    return { images, snapshotUsers };
  }

  async run(action: StoredAction, seen: Lookups): Promise<ActionResult> {
    try {
      return await this.act(action, seen);
    } catch (error) {
      const { kind, code, retryable } = classifyAwsError(error);
      const message = error instanceof Error ? error.message : String(error);
      if (kind === 'not-found')
        return action.action === 'deregister' || action.action === 'delete-snapshot'
          ? { state: 'done', reason: `already gone (${code})`, lifecycle: lifecycleOf(action) }
          : { state: 'skipped', reason: `the image is gone (${code})`, lifecycle: null };
      if (code === 'OperationNotPermitted' || code === 'InvalidSnapshot.InUse')
        return { state: 'skipped', reason: message, lifecycle: null };
      return { state: retryable ? 'retry' : 'failed', reason: message, lifecycle: null };
    }
  }

  private async act(a: StoredAction, seen: Lookups): Promise<ActionResult> {
    const options = { account: a.account };
    const image = seen.images.get(a.imageId);
    switch (a.action) {
      case 'deprecate': {
        if (!image) return { state: 'skipped', reason: 'the image is gone', lifecycle: null };
        const now = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
        const at = new Date(Math.max(a.deprecateAt?.getTime() ?? now, now));
        await this.ec2.send(
          a.region,
          new EnableImageDeprecationCommand({ ImageId: a.imageId, DeprecateAt: at }),
          options,
        );
        return {
          state: 'done',
          reason: `deprecated at ${at.toISOString()}`,
          lifecycle: 'deprecated',
        };
      }
      case 'disable': {
        if (!image) return { state: 'skipped', reason: 'the image is gone', lifecycle: null };
        if (image.State !== 'disabled')
          await this.ec2.send(a.region, new DisableImageCommand({ ImageId: a.imageId }), options);
        return { state: 'done', reason: null, lifecycle: 'disabled' };
      }
      case 'deregister': {
        if (!image)
          return { state: 'done', reason: 'already deregistered', lifecycle: 'deregistered' };
        if ((image.DeregistrationProtection ?? 'disabled') !== 'disabled')
          return {
            state: 'skipped',
            reason: `deregistration protection is ${image.DeregistrationProtection}`,
            lifecycle: null,
          };
        await this.ec2.send(a.region, new DeregisterImageCommand({ ImageId: a.imageId }), options);
        return { state: 'done', reason: null, lifecycle: 'deregistered' };
      }
      case 'delete-snapshot': {
        const users = (seen.snapshotUsers.get(a.snapshotId!) ?? []).filter(
          (id) => id !== a.imageId,
        );
        if (users.length > 0)
          return { state: 'skipped', reason: `still used by ${users.join(', ')}`, lifecycle: null };
        await this.ec2.send(
          a.region,
          new DeleteSnapshotCommand({ SnapshotId: a.snapshotId! }),
          options,
        );
        return { state: 'done', reason: null, lifecycle: null };
      }
    }
  }

  /** The audit entry of a settled action, and the image's new state for the other services. */
  async record(
    tx: EntityManager,
    family: string,
    a: StoredAction,
    state: 'done' | 'skipped' | 'failed',
    reason: string | null,
    lifecycle: Lifecycle | null,
  ): Promise<void> {
    const subject = { family, version: a.version, region: a.region, imageId: a.imageId };
    await this.audit.record(tx, {
      actor: SCANNER_ACTOR,
      action: state === 'done' ? AUDIT_ACTIONS[a.action] : `retention.${a.action}-${state}`,
      subject,
      before: null,
      after: {
        planId: a.planId,
        account: a.account,
        ...(a.snapshotId && { snapshotId: a.snapshotId, bytes: a.bytes }),
        ...(a.deprecateAt && { deprecateAt: a.deprecateAt.toISOString() }),
      },
      outcome: state === 'done' ? 'succeeded' : state === 'skipped' ? 'rejected' : 'failed',
      reason: reason ?? `retention plan ${a.planId}`,
    });
    // Copies in other accounts are not the catalog's to resolve; only the platform's own change state there.
    if (state === 'done' && lifecycle && a.account === this.ec2.defaultAccount)
      await this.events.publish(
        tx,
        IMAGE_LIFECYCLE_CHANGED,
        {
          family,
          version: a.version,
          region: a.region,
          imageId: a.imageId,
          state: lifecycle,
          reason: `retention plan ${a.planId}${reason ? `: ${reason}` : ''}`,
          at: new Date().toISOString(),
        },
        { key: family },
      );
  }
}

function lifecycleOf(a: StoredAction): Lifecycle | null {
  return a.action === 'deregister' ? 'deregistered' : null;
}
