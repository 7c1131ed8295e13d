export type CopyState =
  'pending' | 'available' | 'failed' | 'deprecated' | 'disabled' | 'deregistered';

export interface RegionalCopy {
  region: string;
  imageId: string | null;
  snapshotIds: string[];
  state: CopyState;
  stateReason: string | null;
  ownerId: string | null;
  ownerType: string | null;
  rootDeviceType: string | null;
  launchPermissions: Record<string, unknown> | null;
  updatedAt: Date;
}

/** An owned copy of a version in another account (distribution.accounts). */
export interface AccountCopy {
  account: string;
  region: string;
  imageId: string | null;
  snapshotIds: string[];
  state: 'pending' | 'available' | 'failed' | 'released';
  stateReason: string | null;
  updatedAt: Date;
}

/** One logical version of a family = the set of its regional copies. */
export interface ImageVersion {
  family: string;
  version: string;
  origin: 'build' | 'import';
  buildId: string | null;
  specVersion: number | null;
  recipeDigest: string | null;
  source: { imageId: string | null; region: string | null; description: string | null };
  parent: { family: string; version: string } | null;
  createdAt: Date;
  /** Revoked by an admin: resolve refuses it. */
  revoked: { at: Date; by: string; reason: string } | null;
  copies: RegionalCopy[];
  /** Owned copies in other accounts, by account and region; never answered by resolve. */
  accountCopies: AccountCopy[];
}
