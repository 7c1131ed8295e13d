import type { BuildState } from '../builds/build.types.js';

/** A resource in EC2 tagged with a build id: what the janitor finds. */
export interface Leftover {
  kind: 'instance' | 'image' | 'snapshot';
  id: string;
  region: string;
  buildId: string;
  family: string | null;
  createdAt: Date | null;
}

/** What the builder knows of the build a leftover is tagged with. */
export interface BuildRecord {
  id: string;
  state: BuildState;
  region: string;
  imageId: string | null;
  snapshotIds: string[];
}

const TERMINAL: BuildState[] = ['succeeded', 'failed', 'rejected', 'skipped', 'cancelled'];

/**
 * Why a tagged resource should go, or null to keep it. Kept: anything of a build still running;
 * what a succeeded build published (its image and that image's snapshots); anything in another
 * region than the build's own (regional copies belong to the replicator); any image the
 * platform knows as a version's image; an unknown build's resources younger than the grace
 * period (a build being inserted, or another builder's).
 */
export function removalReason(
  leftover: Leftover,
  build: BuildRecord | undefined,
  context: { now: Date; graceS: number; knownImageIds: Set<string> },
): string | null {
  if (leftover.kind === 'image' && context.knownImageIds.has(leftover.id)) return null;
  if (!build) {
    const ageS = leftover.createdAt
      ? (context.now.getTime() - leftover.createdAt.getTime()) / 1000
      : Infinity;
    return ageS > context.graceS
      ? `build ${leftover.buildId} is unknown and the ${leftover.kind} is older than ${context.graceS} s`
      : null;
  }
  if (!TERMINAL.includes(build.state)) return null;
  if (leftover.region !== build.region) return null;
  const published =
    build.state === 'succeeded' &&
    (leftover.kind === 'image'
      ? leftover.id === build.imageId
      : leftover.kind === 'snapshot' && build.snapshotIds.includes(leftover.id));
  if (published) return null;
  return `build ${build.id} is ${build.state} and did not publish this ${leftover.kind}`;
}
