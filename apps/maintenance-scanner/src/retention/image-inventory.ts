import type { Image, Snapshot } from '@aws-sdk/client-ec2';
import { Ec2Gateway } from '@ami/aws';
import type { CopyState } from './retention-plan.js';

export const FAMILY_TAG = 'ami-factory:family';
/** Values per filter that EC2 accepts. */
const VALUES_PER_FILTER = 200;

export interface InventoryImage extends CopyState {
  imageId: string;
  family: string | null;
  state: string;
}

export interface InventorySnapshot {
  snapshotId: string;
  family: string | null;
  sizeGiB: number;
}

/** What one account has in one region, for the families asked about. */
export interface RegionInventory {
  region: string;
  account: string;
  images: Map<string, InventoryImage>;
  /** The families' snapshots (by tag), whether or not an image uses them. */
  snapshots: InventorySnapshot[];
  /** Per snapshot id, the images in `images` that use it. */
  snapshotUsers: Map<string, string[]>;
}

export interface InventoryRequest {
  region: string;
  account?: string;
  families: string[];
  /** Image ids known from facts (adopted images may carry no family tag). */
  knownIds?: string[];
}

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/**
 * The images and snapshots of some families in one account and region, in as few calls as EC2
 * allows: one paginated DescribeImages (pages of 1000) per 200 families, filtered by the
 * family tag and including disabled and deprecated images; one more per 200 known ids the
 * tag did not find (images adopted from other builders); and one paginated DescribeSnapshots
 * per 200 families, for storage and orphaned snapshots.
 */
export class ImageInventory {
  constructor(private readonly ec2: Ec2Gateway) {}

  async scanRegion(request: InventoryRequest): Promise<RegionInventory> {
    const { region } = request;
    const account = request.account ?? this.ec2.defaultAccount;
    const options = { account };
    const images = new Map<string, InventoryImage>();
    const common = { Owners: ['self'], IncludeDisabled: true, IncludeDeprecated: true };
    for (const families of chunk([...new Set(request.families)], VALUES_PER_FILTER))
      for await (const image of this.ec2.eachImage(
        region,
        { ...common, Filters: [{ Name: `tag:${FAMILY_TAG}`, Values: families }] },
        options,
      ))
        add(images, image);
    const untagged = [...new Set(request.knownIds ?? [])].filter((id) => !images.has(id));
    for (const ids of chunk(untagged, VALUES_PER_FILTER))
      for await (const image of this.ec2.eachImage(
        region,
        { ...common, Filters: [{ Name: 'image-id', Values: ids }] },
        options,
      ))
        add(images, image);
    const snapshots: InventorySnapshot[] = [];
    for (const families of chunk([...new Set(request.families)], VALUES_PER_FILTER))
      for await (const s of this.ec2.eachSnapshot(
        region,
        { OwnerIds: ['self'], Filters: [{ Name: `tag:${FAMILY_TAG}`, Values: families }] },
        options,
      ))
        snapshots.push(toSnapshot(s));
    const snapshotUsers = new Map<string, string[]>();
    for (const image of images.values())
      for (const s of image.snapshots)
        snapshotUsers.set(s.snapshotId, [
          ...(snapshotUsers.get(s.snapshotId) ?? []),
          image.imageId,
        ]);
    return { region, account, images, snapshots, snapshotUsers };
  }
}

function add(images: Map<string, InventoryImage>, image: Image) {
  if (!image.ImageId || image.State === 'deregistered') return;
  images.set(image.ImageId, {
    imageId: image.ImageId,
    family: image.Tags?.find((t) => t.Key === FAMILY_TAG)?.Value ?? null,
    state: image.State ?? 'unknown',
    deprecationTime: image.DeprecationTime ? new Date(image.DeprecationTime) : null,
    disabled: image.State === 'disabled',
    protected: (image.DeregistrationProtection ?? 'disabled') !== 'disabled',
    snapshots: (image.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs?.SnapshotId ? [{ snapshotId: m.Ebs.SnapshotId, sizeGiB: m.Ebs.VolumeSize ?? 0 }] : [],
    ),
  });
}

function toSnapshot(s: Snapshot): InventorySnapshot {
  return {
    snapshotId: s.SnapshotId!,
    family: s.Tags?.find((t) => t.Key === FAMILY_TAG)?.Value ?? null,
    sizeGiB: s.VolumeSize ?? 0,
  };
}
