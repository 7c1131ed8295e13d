import type { Image } from '@aws-sdk/client-ec2';

export type OwnerType = 'self' | 'amazon' | 'marketplace' | 'community' | 'other-account';

/**
 * Where an AMI comes from, as the notes' taxonomy has it: AWS-provided, Marketplace,
 * community (public, someone else's), our own, or privately shared by another account.
 */
export function classifyOwner(image: Image, ownAccount: string): OwnerType {
  if (image.OwnerId === ownAccount) return 'self';
  if (image.ImageOwnerAlias === 'amazon') return 'amazon';
  if (
    image.ImageOwnerAlias === 'aws-marketplace' ||
    image.ProductCodes?.some((p) => p.ProductCodeType === 'marketplace')
  ) {
    return 'marketplace';
  }
  if (image.Public) return 'community';
  return 'other-account';
}

export function rootDeviceOf(image: Image): 'ebs' | 'instance-store' {
  return image.RootDeviceType === 'instance-store' ? 'instance-store' : 'ebs';
}

export function snapshotIdsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? [])
    .map((m) => m.Ebs?.SnapshotId)
    .filter((id): id is string => Boolean(id));
}
