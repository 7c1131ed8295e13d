/** What planning needs to know of a version: where images of it already exist. */
export interface VersionImages {
  sourceRegion: string;
  /** region -> image id of images that exist without a copy (the build, imported images). */
  images: Record<string, string>;
}

/**
 * The destination regions a version still needs a copy in: the distribution's regions that
 * have neither an image of the version nor a copy job for it, in the distribution's order.
 */
export function regionsLackingCopy(
  distribution: string[],
  version: VersionImages,
  regionsWithJobs: Iterable<string>,
): string[] {
  const have = new Set([version.sourceRegion, ...Object.keys(version.images), ...regionsWithJobs]);
  return distribution.filter((region) => !have.has(region));
}

/** Regions a new spec drops from the old one's distribution. */
export function removedRegions(before: string[], after: string[]): string[] {
  const kept = new Set(after);
  return before.filter((region) => !kept.has(region));
}

/**
 * The image a version is copied from: for an import, the first of its images in a
 * distribution region (else its first image); a build's image otherwise.
 */
export function pickSource(
  images: Array<{ region: string; imageId: string }>,
  distribution: string[] | null,
): { region: string; imageId: string } {
  const inDistribution = distribution
    ? images.find((image) => distribution.includes(image.region))
    : undefined;
  const chosen = inDistribution ?? images[0];
  if (!chosen) throw new Error('a version without images has nothing to copy');
  return chosen;
}

/** An account that gets owned copies, as the spec names it. */
export interface CopyAccount {
  accountId: string;
  roleName: string;
  regions?: string[];
}

/**
 * The owned copies a version still needs in other accounts: each account x region (the
 * account's regions, else the distribution's) with no job yet. The platform's own account
 * is refused: its copies are the regional copies already.
 */
export function accountCopiesLacking(
  accounts: CopyAccount[],
  distribution: string[],
  ownAccount: string,
  existing: Iterable<{ account: string | null; region: string }>,
): { copies: Array<{ account: string; roleName: string; region: string }>; refused: string[] } {
  const have = new Set([...existing].map((j) => `${j.account ?? ''}/${j.region}`));
  const copies: Array<{ account: string; roleName: string; region: string }> = [];
  const refused: string[] = [];
  for (const a of accounts) {
    if (a.accountId === ownAccount) {
      refused.push(a.accountId);
      continue;
    }
    for (const region of a.regions ?? distribution)
      if (!have.has(`${a.accountId}/${region}`))
        copies.push({ account: a.accountId, roleName: a.roleName, region });
  }
  return { copies, refused };
}
