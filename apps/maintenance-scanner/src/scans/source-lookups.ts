import { Inject, Injectable } from '@nestjs/common';
import type { Image } from '@aws-sdk/client-ec2';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { Ec2Error, Ec2Gateway } from '@ami/aws';
import type { FamilySpec } from '@ami/contracts';
import type { SourceLookup } from './rebuild-rules.js';

/** GetParameters takes at most 10 names. */
const NAMES_PER_CALL = 10;

export interface LookupRequest {
  family: string;
  source: FamilySpec['source'];
  region: string;
  /** Look the source up (rebuildOnSourceChange, and a filter or SSM source). */
  follow: boolean;
  /** The image the latest version was built from: checked for an AWS deprecation. */
  builtFrom: string | null;
}

export interface LookupResult {
  source: SourceLookup;
  builtFromDeprecated: boolean;
}

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/**
 * Where each family's source points now, in as few calls as AWS allows, per region: SSM
 * sources with one GetParameters per 10 names, each filter with one (paginated)
 * DescribeImages, and the images the latest versions were built from with one DescribeImages
 * per 200 ids (for their deprecation). Resolves like the builder does: the newest image the
 * filter matches that is not deprecated (AWS leaves deprecated images out by default).
 */
@Injectable()
export class SourceLookups {
  constructor(@Inject(Ec2Gateway) private readonly ec2: Ec2Gateway) {}

  async lookup(requests: LookupRequest[], now = new Date()): Promise<Map<string, LookupResult>> {
    const results = new Map<string, LookupResult>();
    const byRegion = new Map<string, LookupRequest[]>();
    for (const r of requests) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
    await Promise.all(
      [...byRegion].map(async ([region, inRegion]) => {
        const sources = await this.sources(region, inRegion, now);
        const deprecated = await this.deprecated(region, inRegion, now);
        for (const r of inRegion)
          results.set(r.family, {
            source: sources.get(r.family) ?? { kind: 'not-looked-up' },
            builtFromDeprecated: r.builtFrom !== null && deprecated.has(r.builtFrom),
          });
      }),
    );
    return results;
  }

  private async sources(region: string, requests: LookupRequest[], now: Date) {
    const found = new Map<string, SourceLookup>();
    const bySsm = requests.filter((r) => r.follow && r.source.ssmParameter);
    const names = [...new Set(bySsm.map((r) => r.source.ssmParameter!))];
    const values = new Map<string, SourceLookup>();
    for (const batch of chunk(names, NAMES_PER_CALL)) {
      const out = await this.guard(() =>
        this.ec2.send(region, new GetParametersCommand({ Names: batch })),
      );
      if ('failed' in out) {
        for (const name of batch) values.set(name, { kind: 'unresolvable', reason: out.failed });
        continue;
      }
      for (const p of out.Parameters ?? [])
        if (p.Name && p.Value) values.set(p.Name, { kind: 'resolved', imageId: p.Value });
      for (const name of out.InvalidParameters ?? [])
        values.set(name, {
          kind: 'unresolvable',
          reason: `SSM parameter ${name} does not exist in ${region}`,
        });
    }
    for (const r of bySsm)
      found.set(
        r.family,
        values.get(r.source.ssmParameter!) ?? {
          kind: 'unresolvable',
          reason: `SSM parameter ${r.source.ssmParameter} has no value in ${region}`,
        },
      );
    for (const r of requests.filter((q) => q.follow && q.source.filter)) {
      const filter = r.source.filter!;
      const out = await this.guard(() =>
        this.ec2.describeAllImages(region, {
          Owners: filter.owners,
          Filters: filter.filters.map((f) => ({ Name: f.name, Values: f.values })),
        }),
      );
      if ('failed' in out) {
        found.set(r.family, { kind: 'unresolvable', reason: out.failed });
        continue;
      }
      const newest = newestUsable(out, now);
      found.set(
        r.family,
        newest
          ? { kind: 'resolved', imageId: newest }
          : {
              kind: 'unresolvable',
              reason: `no available image owned by ${filter.owners.join(',')} matches the filter in ${region}`,
            },
      );
    }
    return found;
  }

  private async deprecated(region: string, requests: LookupRequest[], now: Date) {
    const ids = requests.map((r) => r.builtFrom).filter((id): id is string => id !== null);
    if (ids.length === 0) return new Set<string>();
    const images = await this.ec2.describeImagesByIds(region, ids);
    return new Set(images.filter((i) => isDeprecated(i, now)).map((i) => i.ImageId!));
  }

  /** An AWS answer that says the source cannot be found becomes a finding, not a failed scan. */
  private async guard<T>(fn: () => Promise<T>): Promise<T | { failed: string }> {
    try {
      return await fn();
    } catch (error) {
      if (
        error instanceof Ec2Error &&
        (error.kind === 'not-found' || error.kind === 'client' || error.kind === 'unauthorized')
      )
        return { failed: `${error.code}: ${error.message}` };
      throw error;
    }
  }
}

export function isDeprecated(image: Image, now: Date): boolean {
  return image.DeprecationTime !== undefined && new Date(image.DeprecationTime) <= now;
}

/** The newest available, not deprecated image; ties broken by id, as the builder does. */
export function newestUsable(images: Image[], now: Date): string | undefined {
  return images
    .filter((i) => (i.State ?? 'available') === 'available' && !isDeprecated(i, now))
    .sort(
      (a, b) =>
        (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') ||
        (b.ImageId ?? '').localeCompare(a.ImageId ?? ''),
    )[0]?.ImageId;
}
