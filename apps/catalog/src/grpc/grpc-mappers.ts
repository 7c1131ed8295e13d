import type { FamilySpec } from '@ami/contracts';
import type { Family } from '../families/family.types.js';
import type { ImageVersion } from '../versions/version.types.js';

/** Domain objects -> proto messages (proto3 has no null: empty strings stand for none). */
export function toGrpcFamily(family: Family, spec: FamilySpec | null) {
  return {
    name: family.name,
    description: family.description,
    owner: family.owner,
    specVersion: family.specVersion,
    parentFamily: family.parent?.family ?? '',
    parentChannel: family.parent?.channel ?? '',
    specJson: spec ? JSON.stringify(spec) : '',
  };
}

export function toGrpcVersion(version: ImageVersion) {
  return {
    family: version.family,
    version: version.version,
    origin: version.origin,
    buildId: version.buildId ?? '',
    sourceImageId: version.source.imageId ?? '',
    parentFamily: version.parent?.family ?? '',
    parentVersion: version.parent?.version ?? '',
    createdAt: new Date(version.createdAt).toISOString(),
    recipeDigest: version.recipeDigest ?? '',
    copies: version.copies.map((c) => ({
      region: c.region,
      imageId: c.imageId ?? '',
      snapshotIds: c.snapshotIds,
      state: c.state,
      ownerType: c.ownerType ?? '',
      rootDeviceType: c.rootDeviceType ?? '',
    })),
  };
}
