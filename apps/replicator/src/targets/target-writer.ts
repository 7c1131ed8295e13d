import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffCeiling, DEFAULT_RETRY_POLICY, Ec2Error, Ec2Gateway } from '@ami/aws';
import { launchTemplateSelector } from './desired-targets.js';
import type { TargetRow } from './target-state.types.js';

/** What a write did: what the target held before, and the parameter/template version it made. */
export interface WriteResult {
  previousImageId: string | null;
  written: string;
  defaultVersion?: boolean;
}

/** What a target holds now, read back by the reconcile (null: it is gone or holds no image). */
export type ReadBack = { imageId: string | null };

/** The launch template version's ClientToken: one per target and desired value (generation). */
export function templateToken(row: Pick<TargetRow, 'id' | 'generation'>, step: string): string {
  const digest = createHash('sha256').update(`${row.id}\n${row.generation}\n${step}`).digest('hex');
  return `amif-lt-${digest.slice(0, 48)}`;
}

const PUT_ATTEMPTS = 5;
const PUT_RETRY = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 200 };

const isNotFound = (error: unknown) =>
  error instanceof Ec2Error && /ParameterNotFound|NotFound/.test(error.code);

/**
 * The AWS side of a distribution target. Every write looks before it sends, so a repeat after
 * a lost answer finds its own work done: an SSM parameter already holding the image is not
 * written again; a launch template whose latest version already has the image is not given
 * another (and the version is created with a ClientToken besides).
 */
@Injectable()
export class TargetWriter {
  constructor(@Inject(Ec2Gateway) private readonly aws: Ec2Gateway) {}

  write(row: TargetRow, imageId: string): Promise<WriteResult> {
    return row.kind === 'ssm-parameter'
      ? this.writeParameter(row, imageId)
      : this.writeTemplate(row, imageId);
  }

  async read(row: TargetRow): Promise<ReadBack> {
    if (row.kind === 'ssm-parameter')
      return { imageId: (await this.parameter(row))?.value ?? null };
    const versions = await this.templateVersions(row, [
      row.setDefault ? '$Default' : (row.writtenRef ?? '$Latest'),
    ]);
    if (versions === null) return { imageId: null };
    return { imageId: versions[0]?.LaunchTemplateData?.ImageId ?? null };
  }

  private async parameter(row: TargetRow): Promise<{ value: string; version: number } | null> {
    try {
      const out = await this.aws.send(row.region, new GetParameterCommand({ Name: row.target }));
      return out.Parameter?.Value
        ? { value: out.Parameter.Value, version: Number(out.Parameter.Version ?? 0) }
        : null;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  private async writeParameter(row: TargetRow, imageId: string): Promise<WriteResult> {
    const before = await this.parameter(row);
    if (before?.value === imageId)
      return { previousImageId: imageId, written: String(before.version) };
    const put = new PutParameterCommand({
      Name: row.target,
      Value: imageId,
      Type: 'String',
      DataType: 'aws:ec2:image',
      Overwrite: true,
      Description: `ami-factory: ${row.family} channel ${row.channel} (${row.desiredVersion})`,
    });
    const previousImageId = before?.value ?? null;
    // PutParameter takes no ClientToken: after a failure, look before sending again, so an
    // answer lost after the write took effect does not write it twice.
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.aws.send(row.region, put, { attempts: 1 });
        return { previousImageId, written: String(out.Version ?? '') };
      } catch (error) {
        if (!(error instanceof Ec2Error) || !error.retryable || attempt >= PUT_ATTEMPTS)
          throw error;
        const now = await this.parameter(row);
        if (now?.value === imageId) return { previousImageId, written: String(now.version) };
        await sleep(backoffCeiling(attempt, PUT_RETRY) * Math.random());
      }
    }
  }

  /** The template's versions asked for, or null when the template (or version) does not exist. */
  private async templateVersions(
    row: TargetRow,
    versions: string[],
  ): Promise<LaunchTemplateVersion[] | null> {
    try {
      const out = await this.aws.send(
        row.region,
        new DescribeLaunchTemplateVersionsCommand({
          ...launchTemplateSelector(row.target),
          Versions: versions,
        }),
      );
      return out.LaunchTemplateVersions ?? [];
    } catch (error) {
      if (isNotFound(error) && row.state === 'written') return null;
      throw error;
    }
  }

  private async writeTemplate(row: TargetRow, imageId: string): Promise<WriteResult> {
    const selector = launchTemplateSelector(row.target);
    const versions = (await this.templateVersions(row, ['$Latest', '$Default'])) ?? [];
    const latest = versions.reduce<LaunchTemplateVersion | undefined>(
      (a, v) => (!a || (v.VersionNumber ?? 0) > (a.VersionNumber ?? 0) ? v : a),
      undefined,
    );
    const current = row.setDefault ? versions.find((v) => v.DefaultVersion) : latest;
    const previousImageId = current?.LaunchTemplateData?.ImageId ?? null;
    let version = latest?.LaunchTemplateData?.ImageId === imageId ? latest : undefined;
    if (!version) {
      const out = await this.aws.send(
        row.region,
        new CreateLaunchTemplateVersionCommand({
          ...selector,
          SourceVersion: '$Latest',
          VersionDescription: `ami-factory: ${row.family} channel ${row.channel} (${row.desiredVersion})`,
          LaunchTemplateData: { ImageId: imageId },
          ClientToken: templateToken(row, 'version'),
        }),
      );
      version = out.LaunchTemplateVersion;
    }
    const number = version?.VersionNumber;
    if (number === undefined)
      throw new Error(
        `CreateLaunchTemplateVersion on ${row.target} answered without a version number`,
      );
    if (row.setDefault && !version?.DefaultVersion)
      await this.aws.send(
        row.region,
        new ModifyLaunchTemplateCommand({
          ...selector,
          DefaultVersion: String(number),
          ClientToken: templateToken(row, `default-${number}`),
        }),
      );
    return { previousImageId, written: String(number), defaultVersion: row.setDefault };
  }
}
