import type { FamilySpec, SharingSpec } from '@ami/contracts';

/**
 * The sharing the permissions service keeps: the spec's `sharing`, plus every account of
 * `distribution.accounts`. Those accounts get owned copies, made from the source shared with
 * them by the replicator; were they left out, the drift repair would withdraw that share.
 */
export function effectiveSharing(spec: Pick<FamilySpec, 'sharing' | 'distribution'>): SharingSpec {
  const owned = (spec.distribution?.accounts ?? []).map((a) => a.accountId);
  const extra = owned.filter((id) => !spec.sharing.accounts.includes(id));
  return extra.length === 0
    ? spec.sharing
    : { ...spec.sharing, accounts: [...spec.sharing.accounts, ...extra] };
}
