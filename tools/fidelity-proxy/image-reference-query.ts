// DescribeImageReferences: what a request asks for (images, resource types and their options,
// as the EC2 API reference defines them), the ARNs of the resources that reference an image,
// and the answer's XML. Pure: the moto calls live in image-references.ts.
import { getBool, getList, getParam, type Params, type Scope } from './ec2-request.js';
import { el } from './xml.js';

export const MAX_IMAGE_IDS = 10;
export const MIN_MAX_RESULTS = 5;
export const MAX_VERSION_DEPTH = 10_000;
export const DEFAULT_VERSION_DEPTH = 10;
export const INSTANCE_STATES = [
  'pending',
  'running',
  'shutting-down',
  'terminated',
  'stopping',
  'stopped',
] as const;
export const RESOURCE_TYPES = [
  'ec2:Instance',
  'ec2:LaunchTemplate',
  'ssm:Parameter',
  'imagebuilder:ImageRecipe',
  'imagebuilder:ContainerRecipe',
] as const;
export type ReferencingResourceType = (typeof RESOURCE_TYPES)[number];

export interface ImageReference {
  imageId: string;
  resourceType: ReferencingResourceType;
  arn: string;
}

export interface ImageReferenceQuery {
  imageIds: string[];
  /** Instance states to report; undefined when instances are not checked. */
  instanceStates?: string[];
  /** How many launch template versions to check, newest first; undefined when not checked. */
  versionDepth?: number;
  ssmParameters: boolean;
  /** Image Builder recipes were asked for (moto has none to report). */
  imageBuilder: boolean;
  maxResults?: number;
}

export interface QueryError {
  code: string;
  message: string;
}

interface RequestedType {
  type: string;
  options: Array<{ name: string; values: string[] }>;
}

/** `ResourceType.N.ResourceType` with its `ResourceTypeOption.M.OptionName` / `OptionValue.K`. */
function requestedTypes(params: Params): RequestedType[] {
  const indexes = new Set<number>();
  for (const [key] of params) {
    const m = /^ResourceType\.(\d+)\./.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .map((n) => {
      const prefix = `ResourceType.${n}`;
      const optionIndexes = new Set<number>();
      for (const [key] of params) {
        const m = new RegExp(`^${prefix}\\.ResourceTypeOption\\.(\\d+)\\.`).exec(key);
        if (m) optionIndexes.add(Number(m[1]));
      }
      const options = [...optionIndexes]
        .sort((a, b) => a - b)
        .map((m) => ({
          name: getParam(params, `${prefix}.ResourceTypeOption.${m}.OptionName`) ?? '',
          values: getList(params, `${prefix}.ResourceTypeOption.${m}.OptionValue`),
        }));
      return { type: getParam(params, `${prefix}.ResourceType`) ?? '', options };
    });
}

const invalid = (message: string): QueryError => ({ code: 'InvalidParameterValue', message });

function parseVersionDepth(values: string[]): number | QueryError {
  const depth = Number(values[0]);
  if (values.length !== 1 || !Number.isInteger(depth) || depth < 1 || depth > MAX_VERSION_DEPTH)
    return invalid(
      `The value '${values.join(',')}' for option version-depth is invalid. Specify one integer between 1 and ${MAX_VERSION_DEPTH}.`,
    );
  return depth;
}

/** Reads and checks a DescribeImageReferences request. */
export function parseImageReferenceQuery(params: Params): ImageReferenceQuery | QueryError {
  const imageIds = [...new Set(getList(params, 'ImageId'))];
  if (imageIds.length === 0)
    return { code: 'MissingParameter', message: 'The request must contain the parameter ImageId' };
  if (imageIds.length > MAX_IMAGE_IDS)
    return invalid(`You can specify at most ${MAX_IMAGE_IDS} image IDs, got ${imageIds.length}.`);

  const includeAll = getBool(params, 'IncludeAllResourceTypes');
  const requested = requestedTypes(params);
  if (!includeAll && requested.length === 0)
    return {
      code: 'MissingParameter',
      message: 'Either IncludeAllResourceTypes or ResourceTypes must be specified.',
    };

  const query: ImageReferenceQuery = {
    imageIds,
    ssmParameters: includeAll,
    imageBuilder: includeAll,
    ...(includeAll
      ? { instanceStates: [...INSTANCE_STATES], versionDepth: DEFAULT_VERSION_DEPTH }
      : {}),
  };
  for (const { type, options } of requested) {
    if (!(RESOURCE_TYPES as readonly string[]).includes(type))
      return invalid(
        `The resource type '${type}' is not valid. Valid resource types: ${RESOURCE_TYPES.join(', ')}.`,
      );
    if (type === 'ssm:Parameter') query.ssmParameters = true;
    if (type.startsWith('imagebuilder:')) query.imageBuilder = true;
    if (type === 'ec2:Instance') query.instanceStates ??= [...INSTANCE_STATES];
    if (type === 'ec2:LaunchTemplate') query.versionDepth ??= DEFAULT_VERSION_DEPTH;
    for (const option of options) {
      if (option.name === 'state-name' && type === 'ec2:Instance') {
        const unknown = option.values.filter(
          (v) => !(INSTANCE_STATES as readonly string[]).includes(v),
        );
        if (unknown.length)
          return invalid(
            `The value '${unknown.join(',')}' for option state-name is invalid. Valid values: ${INSTANCE_STATES.join(', ')}.`,
          );
        query.instanceStates = option.values.length ? option.values : [...INSTANCE_STATES];
      } else if (option.name === 'version-depth' && type === 'ec2:LaunchTemplate') {
        const depth = parseVersionDepth(option.values);
        if (typeof depth === 'object') return depth;
        query.versionDepth = depth;
      } else {
        return invalid(
          `The option '${option.name}' is not valid for resource type ${type}. ec2:Instance takes state-name, ec2:LaunchTemplate takes version-depth.`,
        );
      }
    }
  }

  const rawMax = getParam(params, 'MaxResults');
  if (rawMax !== undefined) {
    const maxResults = Number(rawMax);
    if (!Number.isInteger(maxResults) || maxResults < MIN_MAX_RESULTS)
      return invalid(
        `Value (${rawMax}) for parameter maxResults is invalid. Expecting a value greater than or equal to ${MIN_MAX_RESULTS}.`,
      );
    query.maxResults = maxResults;
  }
  return query;
}

export const instanceArn = (scope: Scope, instanceId: string): string =>
  `arn:aws:ec2:${scope.region}:${scope.account}:instance/${instanceId}`;

export const launchTemplateArn = (scope: Scope, templateId: string): string =>
  `arn:aws:ec2:${scope.region}:${scope.account}:launch-template/${templateId}`;

/** SSM drops the leading slash of a hierarchical name: `/golden/ami` is `parameter/golden/ami`. */
export const parameterArn = (scope: Scope, name: string): string =>
  `arn:aws:ssm:${scope.region}:${scope.account}:parameter/${name.replace(/^\//, '')}`;

/** The versions of a template that version-depth covers: the newest `depth`, as MinVersion/MaxVersion. */
export function versionWindow(
  latestVersion: number,
  depth: number,
): { minVersion: number; maxVersion: number } {
  return { minVersion: Math.max(1, latestVersion - depth + 1), maxVersion: latestVersion };
}

/** EC2 lists a terminated instance for about an hour; moto keeps it for ever. */
export const TERMINATED_VISIBLE_MS = 60 * 60 * 1000;

/**
 * Whether a terminated instance has been gone long enough for EC2 to have forgotten it, from
 * the time in its state transition reason (`User initiated (2026-01-02 10:00:00 UTC)`). An
 * instance whose time can't be read is kept.
 */
export function terminatedLongAgo(reason: string | undefined, now: number): boolean {
  const m = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (?:UTC|GMT)\)/.exec(reason ?? '');
  if (!m) return false;
  const at = Date.parse(`${m[1]}T${m[2]}Z`);
  return !Number.isNaN(at) && now - at > TERMINATED_VISIBLE_MS;
}

/** The sort and page key of a reference: unique, and stable between pages. */
export const referenceKey = (ref: ImageReference): string =>
  `${ref.imageId} ${ref.resourceType} ${ref.arn}`;

/** The inner XML of a DescribeImageReferencesResponse. */
export function imageReferencesXml(refs: ImageReference[], nextToken?: string): string {
  const items = refs
    .map(
      (ref) =>
        `<item>${el('imageId', ref.imageId)}${el('resourceType', ref.resourceType)}${el('arn', ref.arn)}</item>`,
    )
    .join('');
  return `<imageReferenceSet>${items}</imageReferenceSet>${nextToken ? el('nextToken', nextToken) : ''}`;
}
