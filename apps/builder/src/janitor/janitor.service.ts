import { Inject, Injectable } from '@nestjs/common';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  TerminateInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Ec2Error, Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import { AuditRecorder } from '@ami/messaging';
import { ROOT_LOGGER } from '@ami/observability';
import { BUILD_TAG, FAMILY_TAG } from '../builds/steps/step.types.js';
import type { BuilderConfig } from '../config/builder.config.js';
import { type BuildRecord, type Leftover, removalReason } from './leftovers.js';

export interface SweepFinding extends Leftover {
  reason: string;
  /** After a real sweep: removed, already gone, skipped (still in use, over the cap) or failed. */
  result?: 'removed' | 'gone' | 'skipped' | 'failed';
}

/** A region the sweep could not look at, and what EC2 answered; the others are still swept. */
export interface UnreachableRegion {
  region: string;
  reason: string;
}

export interface SweepReport {
  dryRun: boolean;
  /** The regions swept: the builder's own and every region a recipe or build names. */
  regions: string[];
  unreachable: UnreachableRegion[];
  /** Tagged resources looked at. */
  examined: number;
  findings: SweepFinding[];
}

const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];
const TAGGED = [{ Name: 'tag-key', Values: [BUILD_TAG] }];

/**
 * Finds what failed builds' best-effort cleanup missed and removes it: instances, AMIs and
 * snapshots tagged with a build id whose build is terminal and did not publish them, or whose
 * build is unknown and older than the grace period (leftovers.ts decides). Economical with
 * EC2: per region one filtered, paginated describe each for instances, images and snapshots,
 * whatever the number of builds; instances are terminated in batches; every removal is paced
 * by the gateway and audited. A dry run only lists.
 */
@Injectable()
export class Janitor {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async sweep(options: { dryRun: boolean; actor: string }): Promise<SweepReport> {
    const regions = await this.regions();
    const looked = await Promise.allSettled(regions.map((r) => this.tagged(r)));
    const unreachable: UnreachableRegion[] = [];
    const leftovers = looked.flatMap((result, i) => {
      if (result.status === 'fulfilled') return result.value;
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
      unreachable.push({ region: regions[i]!, reason });
      return [];
    });
    if (unreachable.length)
      this.logger.warn({ unreachable }, 'janitor could not sweep some regions');
    const findings = await this.judge(leftovers);
    const report: SweepReport = {
      dryRun: options.dryRun,
      regions: regions.filter((r) => !unreachable.some((u) => u.region === r)),
      unreachable,
      examined: leftovers.length,
      findings,
    };
    if (!options.dryRun) await this.remove(findings, options.actor);
    if (findings.length)
      this.logger.info(
        { dryRun: options.dryRun, findings: findings.length, examined: leftovers.length },
        'janitor sweep',
      );
    return report;
  }

  private async regions(): Promise<string[]> {
    const rows: Array<{ region: string }> = await this.db.query(
      `SELECT DISTINCT recipe->>'region' AS region FROM builder.family_recipes WHERE recipe IS NOT NULL
       UNION SELECT DISTINCT recipe->>'region' FROM builder.builds`,
    );
    return [...new Set([this.config.AWS_REGION, ...rows.map((r) => r.region)])]
      .filter(Boolean)
      .sort();
  }

  private async tagged(region: string): Promise<Leftover[]> {
    const of = (kind: Leftover['kind'], id: string, tags: Tag[] | undefined, at: unknown) => {
      const tag = (key: string) => tags?.find((t) => t.Key === key)?.Value ?? null;
      return {
        kind,
        id,
        region,
        buildId: tag(BUILD_TAG) ?? '',
        family: tag(FAMILY_TAG),
        createdAt: at ? new Date(at as string) : null,
      };
    };
    const found: Leftover[] = [];
    for await (const i of this.ec2.eachInstance(region, {
      Filters: [...TAGGED, { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES }],
    }))
      found.push(of('instance', i.InstanceId!, i.Tags, i.LaunchTime));
    for (const image of await this.ec2.describeAllImages(region, {
      Owners: ['self'],
      Filters: TAGGED,
      IncludeDeprecated: true,
      IncludeDisabled: true,
    }))
      found.push(of('image', image.ImageId!, image.Tags, image.CreationDate));
    for await (const s of this.ec2.eachSnapshot(region, { OwnerIds: ['self'], Filters: TAGGED }))
      found.push(of('snapshot', s.SnapshotId!, s.Tags, s.StartTime));
    return found.filter((f) => f.buildId);
  }

  private async judge(leftovers: Leftover[]): Promise<SweepFinding[]> {
    const ids = [...new Set(leftovers.map((l) => l.buildId))].filter((id) =>
      /^[0-9a-f-]{36}$/i.test(id),
    );
    const builds = new Map<string, BuildRecord>(
      (
        await this.db.query(
          `SELECT id, state, recipe->>'region' AS region, image_id, snapshot_ids FROM builder.builds WHERE id = ANY($1::uuid[])`,
          [ids],
        )
      ).map((r: any) => [
        r.id,
        {
          id: r.id,
          state: r.state,
          region: r.region,
          imageId: r.image_id,
          snapshotIds: r.snapshot_ids ?? [],
        },
      ]),
    );
    const knownImageIds = new Set<string>(
      (await this.db.query('SELECT image_id FROM builder.known_images')).map(
        (r: any) => r.image_id,
      ),
    );
    const context = { now: new Date(), graceS: this.config.JANITOR_GRACE_S, knownImageIds };
    return leftovers.flatMap((leftover) => {
      const reason = removalReason(leftover, builds.get(leftover.buildId), context);
      return reason ? [{ ...leftover, reason }] : [];
    });
  }

  /** Instances first (batched), then images, then snapshots (an image's go once it is gone). */
  private async remove(findings: SweepFinding[], actor: string): Promise<void> {
    const cap = this.config.JANITOR_MAX_REMOVALS;
    findings.slice(cap).forEach((f) => (f.result = 'skipped'));
    const batch = findings.slice(0, cap);
    const instancesByRegion = new Map<string, SweepFinding[]>();
    for (const f of batch.filter((f) => f.kind === 'instance'))
      instancesByRegion.set(f.region, [...(instancesByRegion.get(f.region) ?? []), f]);
    for (const [region, instances] of instancesByRegion)
      for (let i = 0; i < instances.length; i += 100) {
        const chunk = instances.slice(i, i + 100);
        await this.attempt(chunk, actor, () =>
          this.ec2.send(
            region,
            new TerminateInstancesCommand({ InstanceIds: chunk.map((f) => f.id) }),
          ),
        );
      }
    for (const f of batch.filter((f) => f.kind === 'image'))
      await this.attempt([f], actor, () =>
        this.ec2.send(f.region, new DeregisterImageCommand({ ImageId: f.id })),
      );
    for (const f of batch.filter((f) => f.kind === 'snapshot'))
      await this.attempt([f], actor, () =>
        this.ec2.send(f.region, new DeleteSnapshotCommand({ SnapshotId: f.id })),
      );
  }

  private async attempt(findings: SweepFinding[], actor: string, call: () => Promise<unknown>) {
    try {
      await call();
      findings.forEach((f) => (f.result = 'removed'));
    } catch (error) {
      const code = error instanceof Ec2Error ? error.code : '';
      const result = code.endsWith('.NotFound')
        ? 'gone'
        : code.endsWith('InUse')
          ? 'skipped'
          : 'failed';
      findings.forEach((f) => (f.result = result));
      if (result === 'failed')
        this.logger.warn({ err: error, ids: findings.map((f) => f.id) }, 'janitor removal failed');
    }
    const removed = findings.filter((f) => f.result === 'removed');
    if (removed.length)
      await this.db.transaction(async (tx) => {
        for (const f of removed)
          await this.audit.record(tx, {
            actor,
            action: `janitor.${f.kind}.removed`,
            subject: {
              family: f.family ?? 'unknown',
              region: f.region,
              imageId: f.kind === 'image' ? f.id : undefined,
            },
            before: { kind: f.kind, id: f.id, buildId: f.buildId },
            after: null,
            outcome: 'succeeded',
            reason: f.reason,
          });
      });
  }
}
