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
