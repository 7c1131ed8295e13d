import { mergeImageItem } from './overlay.js';
import {
  appendAfterList,
  childText,
  ec2ErrorXml,
  readEc2Error,
  resultText,
  setChildText,
  splitList,
} from './xml.js';

const item = (id: string, name: string) =>
  `<item><blockDeviceMapping><item><ebs><snapshotId>snap-${id}</snapshotId></ebs><deviceName>/dev/sda1</deviceName></item></blockDeviceMapping>` +
  `<name>${name}</name><tagSet/><imageId>ami-${id}</imageId><imageState>available</imageState><imageOwnerId>123456789012</imageOwnerId></item>`;

const describeImages = (items: string) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15">` +
  `<imagesSet>${items}</imagesSet><requestId>request-id</requestId></DescribeImagesResponse>`;

describe('splitList', () => {
  it('cuts imagesSet into its top-level items, leaving nested items inside them', () => {
    const doc = describeImages(item('1', 'a') + item('2', 'b &amp; c'));
    const list = splitList(doc, 'imagesSet');
    expect(list?.items).toHaveLength(2);
    expect(childText(list?.items[0] ?? '', 'imageId')).toBe('ami-1');
    expect(childText(list?.items[1] ?? '', 'name')).toBe('b & c');
    expect((list?.head ?? '') + (list?.items.join('') ?? '') + (list?.tail ?? '')).toBe(doc);
  });

  it('handles an empty self-closing list', () => {
    const doc =
      '<?xml version="1.0"?><DescribeImagesResponse><imagesSet/><requestId>r</requestId></DescribeImagesResponse>';
    const list = splitList(doc, 'imagesSet');
    expect(list?.items).toEqual([]);
    expect(`${list?.head}${list?.tail}`).toBe(
      '<?xml version="1.0"?><DescribeImagesResponse><imagesSet></imagesSet><requestId>r</requestId></DescribeImagesResponse>',
    );
  });

  it('places a nextToken right after the list', () => {
    const list = splitList(describeImages(item('1', 'a')), 'imagesSet');
    expect(appendAfterList(list?.tail ?? '', 'imagesSet', '<nextToken>t</nextToken>')).toBe(
      '</imagesSet><nextToken>t</nextToken><requestId>request-id</requestId></DescribeImagesResponse>',
    );
  });
});

describe('mergeImageItem', () => {
  it('replaces the state and adds overlay elements at the item level only', () => {
    const merged = mergeImageItem(item('1', 'a'), {
      imageState: 'pending',
      deprecationTime: '2030-01-01T00:00:00.000Z',
      deregistrationProtection: 'enabled-without-cooldown',
    });
    expect(childText(merged, 'imageState')).toBe('pending');
    expect(childText(merged, 'deprecationTime')).toBe('2030-01-01T00:00:00.000Z');
    expect(childText(merged, 'deregistrationProtection')).toBe('enabled-without-cooldown');
    expect(merged.match(/<imageState>/g)).toHaveLength(1);
    expect(merged).toContain('<snapshotId>snap-1</snapshotId>');
    expect(
      merged.endsWith(
        '<deregistrationProtection>enabled-without-cooldown</deregistrationProtection></item>',
      ),
    ).toBe(true);
  });

  it('leaves an item untouched when there is nothing to merge', () => {
    expect(mergeImageItem(item('1', 'a'), {})).toBe(item('1', 'a'));
  });

  it('escapes merged values', () => {
    expect(setChildText('<item/>', 'description', 'a<b&c')).toBe(
      '<item><description>a&lt;b&amp;c</description></item>',
    );
  });
});

describe('EC2 bodies', () => {
  it('reads the result and error elements the SDK reads', () => {
    expect(
      resultText(
        '<?xml version="1.0"?><CreateImageResponse><imageId>ami-9</imageId><requestId>r</requestId></CreateImageResponse>',
        'imageId',
      ),
    ).toBe('ami-9');
    const error = ec2ErrorXml('RequestLimitExceeded', 'Request limit exceeded.', 'req-1');
    expect(error).toContain(
      '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-1</RequestID></Response>',
    );
    expect(readEc2Error(error)).toEqual({
      code: 'RequestLimitExceeded',
      message: 'Request limit exceeded.',
    });
  });
});
