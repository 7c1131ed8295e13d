import type { DescribeImagesCommandInput, Image } from '@aws-sdk/client-ec2';
import { operationOf, type AwsCommand } from './aws-command.js';
import {
  describeImagesByIds,
  eachImage,
  eachInstance,
  collect,
  type Ec2Sender,
} from './describe-pages.js';

/** A fake EC2 at the gateway's port: pages images the way EC2 does and records every request. */
function fakeEc2(imageCount: number) {
  const images: Image[] = Array.from({ length: imageCount }, (_, i) => ({
    ImageId: `ami-${String(i).padStart(8, '0')}`,
  }));
  const requests: Array<{ action: string; input: Record<string, any> }> = [];
  const sender: Ec2Sender = {
    async send(_region, command: AwsCommand) {
      const input = command.input as DescribeImagesCommandInput & Record<string, any>;
      requests.push({ action: operationOf(command).operation, input });
      if (operationOf(command).operation === 'DescribeInstances') {
        return {
          Reservations: [
            { Instances: [{ InstanceId: 'i-1' }, { InstanceId: 'i-2' }] },
            { Instances: [{ InstanceId: 'i-3' }] },
          ],
        } as any;
      }
      if (input.ImageIds) {
        if (input.MaxResults !== undefined) throw new Error('EC2 refuses MaxResults with ImageIds');
        return {
          Images: images.filter((image) => input.ImageIds!.includes(image.ImageId!)),
        } as any;
      }
      const idFilter = input.Filters?.find((f) => f.Name === 'image-id')?.Values;
      const matching = idFilter
        ? images.filter((image) => idFilter.includes(image.ImageId!))
        : images;
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const end = start + (input.MaxResults ?? matching.length);
      return {
        Images: matching.slice(start, end),
        NextToken: end < matching.length ? String(end) : undefined,
      } as any;
    },
  };
  return { sender, requests, images };
}

describe('paginated describes', () => {
  it('reads every image in pages of 1000 following NextToken', async () => {
    const ec2 = fakeEc2(2_345);
    const images = await collect(eachImage(ec2.sender, 'us-east-1', { Owners: ['amazon'] }));
    expect(images).toHaveLength(2_345);
    expect(ec2.requests.map((r) => [r.input.MaxResults, r.input.NextToken])).toEqual([
      [1000, undefined],
      [1000, '1000'],
      [1000, '2000'],
    ]);
    expect(ec2.requests.every((r) => r.input.Owners[0] === 'amazon')).toBe(true);
  });

  it('stops early when the consumer does (an async iterator, not a prefetch)', async () => {
    const ec2 = fakeEc2(5_000);
    for await (const image of eachImage(ec2.sender, 'us-east-1')) if (image.ImageId) break;
    expect(ec2.requests).toHaveLength(1);
  });

  it('sends ids without MaxResults, 200 per call, each id once', async () => {
    const ec2 = fakeEc2(1_000);
    const ids = ec2.images.slice(0, 450).map((image) => image.ImageId!);
    const images = await collect(
      eachImage(ec2.sender, 'us-east-1', { ImageIds: [...ids, ids[0]!] }),
    );
    expect(images).toHaveLength(450);
    expect(ec2.requests.map((r) => r.input.ImageIds.length)).toEqual([200, 200, 50]);
  });

  it('fetches images by id in as few calls as the ids allow, leaving out unknown ids', async () => {
    const ec2 = fakeEc2(1_000);
    const ids = [...ec2.images.slice(0, 199).map((image) => image.ImageId!), 'ami-unknown'];
    const images = await describeImagesByIds(ec2.sender, 'us-east-1', ids);
    expect(images).toHaveLength(199);
    expect(ec2.requests).toHaveLength(1);
    expect(ec2.requests[0]!.input).toMatchObject({
      Filters: [{ Name: 'image-id' }],
      IncludeDeprecated: true,
    });
    await describeImagesByIds(
      ec2.sender,
      'us-east-1',
      ec2.images.slice(0, 401).map((image) => image.ImageId!),
    );
    expect(ec2.requests).toHaveLength(1 + 3);
  });

  it('flattens instances out of their reservations', async () => {
    const ec2 = fakeEc2(0);
    const instances = await collect(eachInstance(ec2.sender, 'us-east-1'));
    expect(instances.map((i) => i.InstanceId)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(ec2.requests[0]!.input.MaxResults).toBe(1000);
  });
});
