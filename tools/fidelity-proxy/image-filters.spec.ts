import type { Ec2Filter } from './ec2-request.js';
import { blockDeviceMappingsOf, blockDeviceMatcher, isBlockDeviceFilter } from './image-filters.js';

// The shape moto answers with, plus an unencrypted-by-omission data volume and an ephemeral one.
const ebs = (snapshotId: string, extra = '') =>
  `<ebs><deleteOnTermination>false</deleteOnTermination><snapshotId>${snapshotId}</snapshotId>` +
  `<volumeSize>15</volumeSize><volumeType>standard</volumeType>${extra}</ebs>`;
const image = (id: string, mappings: string[]) =>
  `<item><blockDeviceMapping>${mappings.join('')}</blockDeviceMapping><name>n</name>` +
  `<imageId>${id}</imageId><imageState>available</imageState></item>`;
const mapping = (device: string, inner: string) =>
  `<item>${inner}<deviceName>${device}</deviceName></item>`;

const root = image('ami-1', [mapping('/dev/sda1', ebs('snap-aaa'))]);
const twoVolumes = image('ami-2', [
  mapping('/dev/xvda', ebs('snap-bbb', '<encrypted>true</encrypted>')),
  mapping('/dev/sdb', ebs('snap-ccc').replace('15', '100').replace('standard', 'gp3')),
  mapping('/dev/sdc', '<virtualName>ephemeral0</virtualName>'),
]);
const noMappings = '<item><blockDeviceMapping/><imageId>ami-3</imageId></item>';
const images = [root, twoVolumes, noMappings];

function matching(...filters: Ec2Filter[]): string[] {
  const matches = blockDeviceMatcher(filters);
  if (!matches) throw new Error('expected a matcher');
  return images.filter(matches).map((xml) => /<imageId>([^<]+)</.exec(xml)?.[1] as string);
}

describe('blockDeviceMappingsOf', () => {
  it('reads every mapping, EBS or not, without mistaking mappings for the image', () => {
    expect(blockDeviceMappingsOf(twoVolumes)).toEqual([
      {
        deviceName: '/dev/xvda',
        ebs: {
          snapshotId: 'snap-bbb',
          volumeSize: '15',
          volumeType: 'standard',
          encrypted: 'true',
          deleteOnTermination: 'false',
        },
      },
      {
        deviceName: '/dev/sdb',
        ebs: {
          snapshotId: 'snap-ccc',
          volumeSize: '100',
          volumeType: 'gp3',
          encrypted: undefined,
          deleteOnTermination: 'false',
        },
      },
      { deviceName: '/dev/sdc' },
    ]);
    expect(blockDeviceMappingsOf(noMappings)).toEqual([]);
    expect(blockDeviceMappingsOf('<item><imageId>ami-4</imageId></item>')).toEqual([]);
  });
});

describe('blockDeviceMatcher', () => {
  it('knows which filters are its own', () => {
    expect(isBlockDeviceFilter('block-device-mapping.snapshot-id')).toBe(true);
    expect(isBlockDeviceFilter('block-device-mapping.encrypted')).toBe(true);
    expect(isBlockDeviceFilter('state')).toBe(false);
    expect(isBlockDeviceFilter('block-device-mapping.nonsense')).toBe(false);
    expect(isBlockDeviceFilter('toString')).toBe(false);
    expect(blockDeviceMatcher([{ name: 'name', values: ['x'] }])).toBeUndefined();
  });

  it('matches an image when any of its mappings uses one of the snapshot ids (values OR)', () => {
    const snapshotId = (values: string[]) => ({ name: 'block-device-mapping.snapshot-id', values });
    expect(matching(snapshotId(['snap-aaa']))).toEqual(['ami-1']);
    expect(matching(snapshotId(['snap-ccc']))).toEqual(['ami-2']);
    expect(matching(snapshotId(['snap-zzz', 'snap-ccc', 'snap-aaa']))).toEqual(['ami-1', 'ami-2']);
    expect(matching(snapshotId(['snap-zzz']))).toEqual([]);
    expect(matching(snapshotId([]))).toEqual([]);
    // ids are compared whole
    expect(matching(snapshotId(['snap-aa']))).toEqual([]);
  });

  it('takes 200 values', () => {
    const values = Array.from({ length: 199 }, (_, i) => `snap-${String(i).padStart(17, '0')}`);
    expect(
      matching({ name: 'block-device-mapping.snapshot-id', values: [...values, 'snap-bbb'] }),
    ).toEqual(['ami-2']);
  });

  it('supports * and ? wildcards and backslash escapes', () => {
    expect(matching({ name: 'block-device-mapping.snapshot-id', values: ['snap-c*'] })).toEqual([
      'ami-2',
    ]);
    expect(matching({ name: 'block-device-mapping.snapshot-id', values: ['snap-?aa'] })).toEqual([
      'ami-1',
    ]);
    expect(matching({ name: 'block-device-mapping.device-name', values: ['/dev/sd*'] })).toEqual([
      'ami-1',
      'ami-2',
    ]);
    expect(matching({ name: 'block-device-mapping.device-name', values: ['/dev/sd\\*'] })).toEqual(
      [],
    );
  });

  it('ANDs filters, each satisfied by any mapping of the image', () => {
    expect(
      matching(
        { name: 'block-device-mapping.snapshot-id', values: ['snap-bbb'] },
        { name: 'block-device-mapping.volume-size', values: ['100'] },
      ),
    ).toEqual(['ami-2']);
    expect(
      matching(
        { name: 'block-device-mapping.snapshot-id', values: ['snap-aaa'] },
        { name: 'block-device-mapping.volume-type', values: ['gp3'] },
      ),
    ).toEqual([]);
    expect(
      matching(
        { name: 'block-device-mapping.device-name', values: ['/dev/sdc'] },
        { name: 'block-device-mapping.volume-type', values: ['gp3', 'io2'] },
      ),
    ).toEqual(['ami-2']);
  });

  it('reads a missing encrypted or deleteOnTermination as false, and booleans in any case', () => {
    const encrypted = (values: string[]) => ({ name: 'block-device-mapping.encrypted', values });
    expect(matching(encrypted(['true']))).toEqual(['ami-2']);
    expect(matching(encrypted(['TRUE']))).toEqual(['ami-2']);
    // ami-2's data volume is unencrypted; the ephemeral mapping has no EBS value at all
    expect(matching(encrypted(['false']))).toEqual(['ami-1', 'ami-2']);
    expect(
      matching({ name: 'block-device-mapping.delete-on-termination', values: ['true'] }),
    ).toEqual([]);
  });

  it('matches device names of non-EBS mappings, but not their EBS fields', () => {
    expect(matching({ name: 'block-device-mapping.device-name', values: ['/dev/sdc'] })).toEqual([
      'ami-2',
    ]);
    expect(matching({ name: 'block-device-mapping.volume-size', values: ['*'] })).toEqual([
      'ami-1',
      'ami-2',
    ]);
  });
});
