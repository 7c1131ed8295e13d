import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type DescribeImagesCommandInput,
  type DescribeInstancesCommandInput,
  type DescribeSnapshotsCommandInput,
  type Image,
  type Instance,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import type { AwsCommand, OutputOf } from './aws-command.js';

/** What the describe helpers need from the gateway. */
export interface Ec2Sender {
  send<C extends AwsCommand>(
    region: string,
    command: C,
    options?: { account?: string },
  ): Promise<OutputOf<C>>;
}

/** The largest page EC2 returns for DescribeImages, DescribeInstances and DescribeSnapshots. */
export const MAX_PAGE_SIZE = 1000;
/** Ids per call when a request names them (EC2 accepts no MaxResults alongside ids). */
export const IDS_PER_CALL = 200;

interface Paged {
  MaxResults?: number;
  NextToken?: string;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Every page of a describe call. With ids: one call per IDS_PER_CALL ids, unpaginated (EC2
 * refuses MaxResults together with ids). Otherwise: pages of MaxResults (default the largest)
 * followed by NextToken until there is none.
 */
async function* pages<I extends Paged, O extends { NextToken?: string }>(
  fetch: (input: I) => Promise<O>,
  input: I,
  idsKey: keyof I,
): AsyncGenerator<O> {
  const ids = input[idsKey] as string[] | undefined;
  if (ids && ids.length > 0) {
    for (const idsChunk of chunk([...new Set(ids)], IDS_PER_CALL))
      yield await fetch({
        ...input,
        [idsKey]: idsChunk,
        MaxResults: undefined,
        NextToken: undefined,
      });
    return;
  }
  let nextToken = input.NextToken;
  do {
    const page = await fetch({
      ...input,
      MaxResults: input.MaxResults ?? MAX_PAGE_SIZE,
      NextToken: nextToken,
    });
    yield page;
    if (page.NextToken !== undefined && page.NextToken === nextToken)
      throw new Error('EC2 returned the same NextToken twice; stopping instead of looping');
    nextToken = page.NextToken || undefined;
  } while (nextToken);
}

export interface DescribeOptions {
  account?: string;
}

export async function* eachImage(
  ec2: Ec2Sender,
  region: string,
  input: DescribeImagesCommandInput = {},
  options: DescribeOptions = {},
): AsyncGenerator<Image> {
  const fetch = (i: DescribeImagesCommandInput) =>
    ec2.send(region, new DescribeImagesCommand(i), options);
  for await (const page of pages(fetch, input, 'ImageIds')) yield* page.Images ?? [];
}

export async function* eachInstance(
  ec2: Ec2Sender,
  region: string,
  input: DescribeInstancesCommandInput = {},
  options: DescribeOptions = {},
): AsyncGenerator<Instance> {
  const fetch = (i: DescribeInstancesCommandInput) =>
    ec2.send(region, new DescribeInstancesCommand(i), options);
  for await (const page of pages(fetch, input, 'InstanceIds'))
    for (const reservation of page.Reservations ?? []) yield* reservation.Instances ?? [];
}

export async function* eachSnapshot(
  ec2: Ec2Sender,
  region: string,
  input: DescribeSnapshotsCommandInput = {},
  options: DescribeOptions = {},
): AsyncGenerator<Snapshot> {
  const fetch = (i: DescribeSnapshotsCommandInput) =>
    ec2.send(region, new DescribeSnapshotsCommand(i), options);
  for await (const page of pages(fetch, input, 'SnapshotIds')) yield* page.Snapshots ?? [];
}

/**
 * The images among `ids` that exist, in as few calls as the ids allow (IDS_PER_CALL per call).
 * Uses the image-id filter rather than ImageIds so that one unknown or deregistered id does
 * not fail the whole batch with InvalidAMIID.NotFound; deprecated and disabled images included.
 */
export async function describeImagesByIds(
  ec2: Ec2Sender,
  region: string,
  ids: string[],
  options: DescribeOptions = {},
): Promise<Image[]> {
  const images: Image[] = [];
  for (const idsChunk of chunk([...new Set(ids)], IDS_PER_CALL)) {
    const input: DescribeImagesCommandInput = {
      Filters: [{ Name: 'image-id', Values: idsChunk }],
      IncludeDeprecated: true,
      IncludeDisabled: true,
    };
    for await (const image of eachImage(ec2, region, input, options)) images.push(image);
  }
  return images;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
