// DescribeImages as EC2 answers it: moto's images with the proxy's facts merged in (pending,
// disabled, deprecation time, deregistration protection, copy source), the state filter
// applied after the merge, the block-device-mapping.* filters moto lacks applied to its
// answer, disabled images hidden unless IncludeDisabled, and pagination.
import {
  ec2PatternToFnmatch,
  filtersToParams,
  getBool,
  getFilters,
  getParam,
  matchesFilterValue,
  withoutParams,
  type Ec2Call,
  type Ec2Filter,
} from './ec2-request.js';
import { withCopyFailure } from './copy-image.js';
import type { Ec2Handler } from './ec2-exchange.js';
import { blockDeviceMatcher, isBlockDeviceFilter } from './image-filters.js';
import { mergeImageItem, type ImageFacts } from './overlay.js';
import {
  MAX_RESULTS_LIMIT,
  decodeNextToken,
  encodeNextToken,
  PageRuns,
  parseMaxResults,
  queryHash,
} from './pagination.js';
import { ec2Error, invalidParameterValue, isSuccess, newRequestId, withBody } from './responses.js';
import type { FidelityState } from './state.js';
import { appendAfterList, childText, el, splitList } from './xml.js';

interface MergedImage {
  imageId: string;
  state: string;
  xml: string;
}

function factsFor(state: FidelityState, call: Ec2Call, item: string, imageId: string): ImageFacts {
  const facts = state.overlay.factsFor(
    call,
    imageId,
    childText(item, 'imageOwnerId') === call.account,
  );
  if (!facts.imageState && state.created.isPending(call, imageId, state.pendingMs))
    facts.imageState = 'pending';
  if (!facts.imageState && state.copies.failureOf(call, imageId)) facts.imageState = 'failed';
  const created = state.created.get(call, imageId);
  if (created?.sourceImageId && childText(item, 'sourceImageId') === undefined)
    facts.sourceImageId = created.sourceImageId;
  if (created?.sourceRegion && childText(item, 'sourceImageRegion') === undefined)
    facts.sourceImageRegion = created.sourceRegion;
  return facts;
}

function passesStateFilters(image: MergedImage, stateFilters: Ec2Filter[]): boolean {
  return stateFilters.every((filter) =>
    filter.values.some((pattern) => matchesFilterValue(image.state, pattern)),
  );
}

export const describeImages: Ec2Handler = async ({ call, forward }, { state }) => {
  const maxResults = parseMaxResults(getParam(call.params, 'MaxResults'));
  if (typeof maxResults === 'object') return invalidParameterValue(maxResults.error);
  const hash = queryHash(call);
  const nextToken = getParam(call.params, 'NextToken');
  let after: string | undefined;
  if (nextToken) {
    const decoded = decodeNextToken(nextToken, hash);
    if ('error' in decoded) return ec2Error(400, 'InvalidPaginationToken', decoded.error);
    after = decoded.after;
    const kept = decoded.run ? runs.get(decoded.run) : undefined;
    if (kept) {
      const head = kept.head.replace(
        /<requestId>[^<]*<\/requestId>/,
        el('requestId', newRequestId()),
      );
      const body = pageOf(
        kept.items,
        head,
        kept.tail,
        maxResults ?? MAX_RESULTS_LIMIT,
        after,
        hash,
        decoded.run,
      );
      return { status: 200, headers: kept.headers, body };
    }
  }

  // moto cannot know about pending or disabled, so the state filter is applied here, and
  // moto fails on the block-device-mapping.* filters, so those are applied here too
  const filters = getFilters(call.params);
  const stateFilters = filters.filter((filter) => filter.name === 'state');
  const matchesBlockDevices = blockDeviceMatcher(filters);
  const upstreamParams = [
    ...withoutParams(
      call.params,
      ['MaxResults', 'NextToken', 'IncludeDisabled', 'IncludeDeprecated'],
      ['Filter.'],
    ),
    ...filtersToParams(
      filters
        .filter((filter) => filter.name !== 'state' && !isBlockDeviceFilter(filter.name))
        .map((filter) =>
          filter.name === 'name'
            ? { name: filter.name, values: filter.values.map(ec2PatternToFnmatch) }
            : filter,
        ),
    ),
  ];
  const response = await forward(upstreamParams);
  if (!isSuccess(response)) return response;
  const list = splitList(response.body, 'imagesSet');
  if (!list) return response;

  const includeDisabled = getBool(call.params, 'IncludeDisabled');
  const images: MergedImage[] = [];
  for (const item of list.items) {
    const imageId = childText(item, 'imageId') ?? '';
    const facts = factsFor(state, call, item, imageId);
    const image = {
      imageId,
      state: facts.imageState ?? childText(item, 'imageState') ?? '',
      xml: withCopyFailure(mergeImageItem(item, facts), state.copies.failureOf(call, imageId)),
    };
    if (image.state === 'disabled' && !includeDisabled) continue;
    if (!passesStateFilters(image, stateFilters)) continue;
    if (matchesBlockDevices && !matchesBlockDevices(image.xml)) continue;
    images.push(image);
  }

  // a NextToken without MaxResults continues with the largest page
  const pageSize = maxResults ?? (after !== undefined ? MAX_RESULTS_LIMIT : undefined);
  if (pageSize === undefined)
    return withBody(response, list.head + images.map((i) => i.xml).join('') + list.tail);
  const sorted = [...images].sort((a, b) =>
    a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0,
  );
  const rest = after === undefined ? sorted : sorted.slice(firstAfter(sorted, after));
  const run =
    rest.length > pageSize ? runs.start(rest, list.head, list.tail, response.headers) : undefined;
  return withBody(response, pageOf(rest, list.head, list.tail, pageSize, undefined, hash, run));
};

/** Paging runs in progress (pagination.ts): pages after the first are cut from the first's answer. */
const runs = new PageRuns<MergedImage>();

/** One page of a sorted answer, with a NextToken naming the run while more remain. */
function pageOf(
  sorted: MergedImage[],
  head: string,
  tail: string,
  pageSize: number,
  after: string | undefined,
  hash: string,
  run: string | undefined,
): string {
  const start = after === undefined ? 0 : firstAfter(sorted, after);
  const items = sorted.slice(start, start + pageSize);
  const more = start + pageSize < sorted.length;
  if (!more && run) runs.finish(run);
  const last = items[items.length - 1];
  return (
    head +
    items.map((i) => i.xml).join('') +
    (more && last
      ? appendAfterList(
          tail,
          'imagesSet',
          el('nextToken', encodeNextToken(last.imageId, hash, run)),
        )
      : tail)
  );
}

/** The index of the first image whose id sorts after `after` (binary search). */
function firstAfter(sorted: MergedImage[], after: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.imageId <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
