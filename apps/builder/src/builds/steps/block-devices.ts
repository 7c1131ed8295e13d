import type { BlockDeviceMapping } from '@aws-sdk/client-ec2';
import type { BuildRecipe } from '@ami/contracts';

/** The recipe's block device mappings in the SDK's shape. */
export function toBlockDeviceMappings(
  mappings: BuildRecipe['launchBlockDeviceMappings'],
): BlockDeviceMapping[] | undefined {
  if (mappings.length === 0) return undefined;
  return mappings.map((m) => ({
    DeviceName: m.deviceName,
    Ebs: {
      VolumeSize: m.volumeSize,
      VolumeType: m.volumeType,
      Iops: m.iops,
      Throughput: m.throughput,
      Encrypted: m.encrypted,
      KmsKeyId: m.kmsKeyId,
      DeleteOnTermination: m.deleteOnTermination,
    },
  }));
}
