// DescribeImages filters on block device mappings, which moto does not implement (it fails
// the whole call with FilterNotImplementedError, an HTTP 500). The proxy takes them out of
// the request it sends to moto and applies them to moto's answer, as EC2 does: the values
// of one filter are OR'ed, filters are AND'ed, and values may use `*`, `?` and `\`. Each
// filter is checked against every mapping of the image on its own: an image matches when
// some mapping matches each filter (not necessarily the same mapping for all of them).
import { matchesFilterValue, type Ec2Filter } from './ec2-request.js';
import { childElements, childText, findChild, rootElement } from './xml.js';

/** One `<item>` of an image's `blockDeviceMapping`, as text values. */
export interface BlockDeviceMapping {
  deviceName?: string;
  /** Set for EBS mappings only. */
  ebs?: {
    snapshotId?: string;
    volumeSize?: string;
    volumeType?: string;
    encrypted?: string;
    deleteOnTermination?: string;
  };
}

type Field = (mapping: BlockDeviceMapping) => string | undefined;

// A boolean EC2 leaves out of the answer is false.
const booleanOf = (value: string | undefined) => (value ?? 'false').toLowerCase();

const FIELDS: Record<string, Field> = {
  'block-device-mapping.snapshot-id': (m) => m.ebs?.snapshotId,
  'block-device-mapping.device-name': (m) => m.deviceName,
  'block-device-mapping.volume-size': (m) => m.ebs?.volumeSize,
  'block-device-mapping.volume-type': (m) => m.ebs?.volumeType,
  'block-device-mapping.encrypted': (m) => (m.ebs ? booleanOf(m.ebs.encrypted) : undefined),
  'block-device-mapping.delete-on-termination': (m) =>
    m.ebs ? booleanOf(m.ebs.deleteOnTermination) : undefined,
};

const BOOLEAN_FILTERS = new Set([
  'block-device-mapping.encrypted',
  'block-device-mapping.delete-on-termination',
]);

/** The filters the proxy applies itself instead of moto. */
export function isBlockDeviceFilter(name: string): boolean {
  return Object.hasOwn(FIELDS, name);
}

/** The block device mappings of one DescribeImages `<item>`. */
export function blockDeviceMappingsOf(imageItemXml: string): BlockDeviceMapping[] {
  const root = rootElement(imageItemXml);
  if (!root) return [];
  const list = findChild(imageItemXml, 'blockDeviceMapping', root.innerStart, root.innerEnd);
  if (!list) return [];
  return childElements(imageItemXml, list.innerStart, list.innerEnd)
    .filter((child) => child.name === 'item')
    .map((child) => {
      const item = imageItemXml.slice(child.start, child.end);
      const itemRoot = rootElement(item);
      const ebsSpan = itemRoot && findChild(item, 'ebs', itemRoot.innerStart, itemRoot.innerEnd);
      const mapping: BlockDeviceMapping = { deviceName: childText(item, 'deviceName') };
      if (ebsSpan) {
        const ebs = item.slice(ebsSpan.start, ebsSpan.end);
        mapping.ebs = {
          snapshotId: childText(ebs, 'snapshotId'),
          volumeSize: childText(ebs, 'volumeSize'),
          volumeType: childText(ebs, 'volumeType'),
          encrypted: childText(ebs, 'encrypted'),
          deleteOnTermination: childText(ebs, 'deleteOnTermination'),
        };
      }
      return mapping;
    });
}

const WILDCARD = /[*?\\]/;

/** One filter's values as a test: plain values by set lookup (up to 200 snapshot ids), patterns by matching. */
function valueMatcher(filter: Ec2Filter): (value: string) => boolean {
  const patterns = BOOLEAN_FILTERS.has(filter.name)
    ? filter.values.map((v) => v.toLowerCase())
    : filter.values;
  const exact = new Set(patterns.filter((p) => !WILDCARD.test(p)));
  const wild = patterns.filter((p) => WILDCARD.test(p));
  return (value) => exact.has(value) || wild.some((pattern) => matchesFilterValue(value, pattern));
}

/**
 * A predicate over DescribeImages `<item>`s for the block-device-mapping filters among
 * `filters` (others are ignored); undefined when there are none.
 */
export function blockDeviceMatcher(
  filters: Ec2Filter[],
): ((itemXml: string) => boolean) | undefined {
  const tests = filters
    .filter((filter) => isBlockDeviceFilter(filter.name))
    .map((filter) => ({ field: FIELDS[filter.name] as Field, matches: valueMatcher(filter) }));
  if (!tests.length) return undefined;
  return (itemXml) => {
    const mappings = blockDeviceMappingsOf(itemXml);
    return tests.every(({ field, matches }) =>
      mappings.some((mapping) => {
        const value = field(mapping);
        return value !== undefined && matches(value);
      }),
    );
  };
}
