import { Inject, Injectable } from '@nestjs/common';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import { LeaseLostError } from '@ami/jobs';
import { ROOT_LOGGER } from '@ami/observability';
import type { ReplicatorConfig } from '../config/replicator.config.js';
import { TargetOutcomes } from './target-outcomes.js';
import type { TargetRow } from './target-state.types.js';
import { TargetWriter } from './target-writer.js';
import { TargetsRepository } from './targets.repository.js';

/** GetParameters takes at most 10 names. */
const NAMES_PER_CALL = 10;

export interface ReconcileSummary {
  checked: number;
  drifted: number;
  /** Targets the reconcile could not read (AWS errors); they are checked again next time. */
  unreadable: number;
  /** Failed targets that had spent their attempts and were given a new round. */
  retried: number;
}

/**
 * Reads written targets back and repairs what someone changed by hand: SSM parameters with
 * one GetParameters call per 10 names per region, launch templates with one
 * DescribeLaunchTemplateVersions each (its default version, or the version written). A
 * target holding another image (or gone) is marked drifted, audited with before and after,
 * and goes back to the worker, which writes it again. Failed targets get a new round.
 */
@Injectable()
export class TargetReconciler {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Ec2Gateway) private readonly aws: Ec2Gateway,
    @Inject(TargetsRepository) private readonly targets: TargetsRepository,
    @Inject(TargetWriter) private readonly writer: TargetWriter,
    @Inject(TargetOutcomes) private readonly outcomes: TargetOutcomes,
    @Inject(APP_CONFIG) private readonly config: ReplicatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** A reconcile pass: targets not checked within the interval, or every one of `family` now. */
  async reconcile(owner: string, family?: string): Promise<ReconcileSummary> {
    const summary: ReconcileSummary = { checked: 0, drifted: 0, unreadable: 0, retried: 0 };
    summary.retried = await this.targets.reviveFailed(this.db.manager, family);
    for (;;) {
      const claimed = await this.targets.claimForCheck(owner, {
        limit: 500,
        leaseMs: this.config.TARGET_LEASE_MS,
        everyMs: family ? 0 : this.config.TARGET_RECONCILE_INTERVAL_MS,
        family,
      });
      if (claimed.length === 0) return summary;
      const actual = await this.readBack(claimed.map((c) => c.row));
      for (const { row, lease } of claimed) {
        try {
          if (!actual.has(row.id)) {
            summary.unreadable++;
            await this.targets.save(this.db, row, lease, { checked_at: new Date() });
            continue;
          }
          summary.checked++;
          const imageId = actual.get(row.id)!;
          if (imageId === row.imageId) {
            await this.targets.save(this.db, row, lease, { checked_at: new Date() });
          } else {
            summary.drifted++;
            await this.outcomes.drifted(row, lease, imageId);
          }
        } catch (error) {
          if (!(error instanceof LeaseLostError)) throw error;
        }
      }
      if (claimed.length < 500) return summary;
    }
  }

  /** What each target holds (target id -> image id or null); unreadable targets are absent. */
  private async readBack(rows: TargetRow[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const parameters = new Map<string, TargetRow[]>();
    const templates: TargetRow[] = [];
    for (const row of rows) {
      if (row.kind === 'launch-template') templates.push(row);
      else parameters.set(row.region, [...(parameters.get(row.region) ?? []), row]);
    }
    await Promise.all([
      ...[...parameters].map(([region, list]) => this.readParameters(region, list, out)),
      ...templates.map((row) =>
        this.writer
          .read(row)
          .then((r) => out.set(row.id, r.imageId))
          .catch((error) =>
            this.logger.warn(
              { err: error, target: row.target, region: row.region },
              'could not read a launch template back',
            ),
          ),
      ),
    ]);
    return out;
  }

  private async readParameters(
    region: string,
    rows: TargetRow[],
    out: Map<string, string | null>,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += NAMES_PER_CALL) {
      const batch = rows.slice(i, i + NAMES_PER_CALL);
      try {
        const answer = await this.aws.send(
          region,
          new GetParametersCommand({ Names: [...new Set(batch.map((r) => r.target))] }),
        );
        const values = new Map((answer.Parameters ?? []).map((p) => [p.Name, p.Value ?? null]));
        for (const row of batch) out.set(row.id, values.get(row.target) ?? null);
      } catch (error) {
        this.logger.warn({ err: error, region }, 'could not read SSM parameters back');
      }
    }
  }
}
