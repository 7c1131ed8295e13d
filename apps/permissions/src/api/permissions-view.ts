import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@ami/runtime';
import { CopiesRepository } from '../copies/copies.repository.js';
import type { ManagedCopy } from '../copies/managed-copy.js';
import { RegionStatusRepository, type RegionStatus } from '../copies/region-status.repository.js';
import { FamilySharingRepository } from '../sharing/family-sharing.repository.js';
import { listsOf, type Principal } from '../sharing/principal.js';

function copyView(c: ManagedCopy, status: RegionStatus | undefined) {
  return {
    region: c.region,
    account: c.account,
    imageId: c.imageId,
    imageState: c.imageState,
    desired: c.desired ? listsOf(c.desired.launch as Principal[]) : null,
    desiredSnapshotAccounts: c.desired?.volume ?? null,
    actual: c.actual
      ? {
          ...listsOf(c.actual.launch),
          snapshots: Object.fromEntries(
            Object.entries(c.actual.snapshots).map(([id, ps]) => [id, listsOf(ps)]),
          ),
        }
      : null,
    failures: c.failures,
    pending: c.requestGeneration > c.appliedGeneration,
    pendingReason: c.requestGeneration > c.appliedGeneration ? c.requestReason : null,
    lastError: c.lastError,
    lastAppliedAt: c.lastAppliedAt,
    lastReconciledAt: c.lastReconciledAt,
    blockPublicAccess: status?.blockPublicAccess ?? null,
  };
}

/** The read side: a family's or a version's desired and actual permissions per region. */
@Injectable()
export class PermissionsView {
  constructor(
    @Inject(FamilySharingRepository) private readonly sharing: FamilySharingRepository,
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(RegionStatusRepository) private readonly regions: RegionStatusRepository,
  ) {}

  async family(family: string, version?: string) {
    const policy = await this.sharing.policy(family);
    const copies = await this.copies.forScope({ family, ...(version ? { version } : {}) });
    if (!policy && copies.length === 0)
      throw AppError.notFound(`family ${family} is not known here`);
    if (version && copies.length === 0)
      throw AppError.notFound(`version ${version} of ${family} is not known`);
    const statuses = await this.regions.all();
    const versions = new Map<string, ReturnType<typeof copyView>[]>();
    for (const c of copies) {
      versions.set(c.version, [
        ...(versions.get(c.version) ?? []),
        copyView(c, statuses.get(`${c.account}/${c.region}`)),
      ]);
    }
    const reconciled = copies
      .filter((c) => c.imageState !== 'deregistered')
      .map((c) => c.lastReconciledAt);
    return {
      family,
      specVersion: policy?.specVersion ?? null,
      sharing: policy?.sharing ?? null,
      overrides: (await this.sharing.activeOverrides(family)).filter(
        (o) => !version || o.version === null || o.version === version,
      ),
      // the oldest reconcile among live copies: when every copy was last compared with EC2
      lastReconciledAt: reconciled.includes(null) ? null : (reconciled.sort()[0] ?? null),
      versions: [...versions.entries()].map(([v, regions]) => ({ version: v, regions })),
    };
  }
}
