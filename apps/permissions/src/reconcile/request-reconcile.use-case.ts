import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AppError, parseInput } from '@ami/runtime';
import { PermissionsWorker } from '../apply/permissions-worker.service.js';
import { CopiesRepository } from '../copies/copies.repository.js';

/**
 * EventBridge's envelope for the events that may mean drift: CloudTrail's ModifyImageAttribute
 * and ModifySnapshotAttribute calls, and EC2's own AMI state changes (best effort, so the
 * scheduled reconcile stays the safety net).
 */
const awsEventSchema = z.object({
  source: z.literal('aws.ec2'),
  region: z.string().min(1),
  'detail-type': z.string().min(1),
  resources: z.array(z.string()).optional(),
  detail: z
    .object({
      eventName: z.string().optional(),
      requestParameters: z.object({ imageId: z.string().optional() }).loose().optional(),
      ImageId: z.string().optional(),
    })
    .loose(),
});

/** Reconcile on demand: a family, one version, everything, or the image an AWS event names. */
@Injectable()
export class RequestReconcile {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(PermissionsWorker) private readonly worker: PermissionsWorker,
  ) {}

  async family(family: string, version: string | undefined, actor: string) {
    const copies = await this.copies.requestPass(
      this.db,
      { family, ...(version ? { version } : {}) },
      `reconcile requested by ${actor}`,
    );
    if (copies === 0)
      throw AppError.notFound(`no managed copies for ${family}${version ? ` ${version}` : ''}`);
    this.worker.nudge();
    return { family, version: version ?? null, copies };
  }

  async all(actor: string) {
    const copies = await this.copies.requestPass(this.db, {}, `reconcile requested by ${actor}`);
    this.worker.nudge();
    return { copies };
  }

  async fromAwsEvent(body: unknown) {
    const event = parseInput(awsEventSchema, body, 'AWS event');
    const imageId =
      event.detail.requestParameters?.imageId ??
      event.detail.ImageId ??
      event.resources?.map((r) => /image\/(ami-[0-9a-f]+)$/.exec(r)?.[1]).find(Boolean);
    if (!imageId)
      throw AppError.invalid('the event names no image', [
        { path: 'detail', message: 'no image id' },
      ]);
    const copies = await this.copies.requestPass(
      this.db,
      { region: event.region, imageId },
      `AWS event ${event['detail-type']}${event.detail.eventName ? ` ${event.detail.eventName}` : ''}`,
    );
    if (copies > 0) this.worker.nudge();
    return { imageId, region: event.region, copies };
  }
}
