// DescribeImageReferences, which moto 5.2.1 answers with HTTP 500. The proxy finds the
// references itself with its own moto calls in the caller's account and region:
// DescribeInstances filtered by image id and state, each launch template's newest
// `version-depth` versions, and the String SSM parameters whose value is the image id.
import { filtersToParams, getParam, type Params, type Scope } from './ec2-request.js';
import type { Ec2Handler } from './ec2-exchange.js';
import {
  imageReferencesXml,
  instanceArn,
  launchTemplateArn,
  parameterArn,
  parseImageReferenceQuery,
  referenceKey,
  terminatedLongAgo,
  versionWindow,
  type ImageReference,
  type ImageReferenceQuery,
} from './image-reference-query.js';
import type { MotoClient } from './moto-client.js';
import { dryRun } from './overlay-actions.js';
import { decodeNextToken, encodeNextToken, paginate, queryHash } from './pagination.js';
import { ec2Error, ec2Result, isSuccess, type Ec2Response } from './responses.js';
import type { FidelityState } from './state.js';
import { childText, findChild, resultText, rootElement, splitList } from './xml.js';

/** A moto call the proxy needed failed; its answer (or an InternalError) goes to the client. */
class UpstreamFailure extends Error {
  constructor(readonly response: Ec2Response) {
    super(`moto answered HTTP ${response.status}`);
  }
}

interface Lookup {
  moto: MotoClient;
  state: FidelityState;
  scope: Scope;
  query: ImageReferenceQuery;
}

async function motoEc2(lookup: Lookup, action: string, params: Params): Promise<string> {
  const response = await lookup.moto.ec2(lookup.scope, action, params);
  if (!isSuccess(response)) throw new UpstreamFailure(response);
  return response.body;
}

async function motoSsm(lookup: Lookup, operation: string, input: object) {
  const { status, body } = await lookup.moto.ssm(lookup.scope, operation, input);
  if (status >= 300)
    throw new UpstreamFailure(
      ec2Error(500, 'InternalError', `fidelity proxy: moto's SSM ${operation} answered ${status}`),
    );
  return body;
}

/** The text of `<name>` inside the direct child `parent` of an element given as a string. */
function grandchildText(elementXml: string, parent: string, name: string): string | undefined {
  const root = rootElement(elementXml);
  const child = root && findChild(elementXml, parent, root.innerStart, root.innerEnd);
  return child ? childText(elementXml.slice(child.start, child.end), name) : undefined;
}

/** As EC2 answers: NotFound for unknown ids (and new ones not visible yet), Malformed from moto. */
async function unknownImages(lookup: Lookup): Promise<Ec2Response | undefined> {
  const { moto, state, scope, query } = lookup;
  const response = await moto.ec2(
    scope,
    'DescribeImages',
    query.imageIds.map((id, i): [string, string] => [`ImageId.${i + 1}`, id]),
  );
  if (!isSuccess(response)) return response;
  const found = new Set(
    (splitList(response.body, 'imagesSet')?.items ?? []).map((item) => childText(item, 'imageId')),
  );
  const missing = query.imageIds.filter(
    (id) => !found.has(id) || state.newResources.isHidden(scope, 'image', id, state.visibilityMs),
  );
  return missing.length
    ? ec2Error(
        400,
        'InvalidAMIID.NotFound',
        `The image id '[${missing.join(', ')}]' does not exist`,
      )
    : undefined;
}

async function instanceReferences(lookup: Lookup, states: string[]): Promise<ImageReference[]> {
  const { state, scope, query } = lookup;
  const refs: ImageReference[] = [];
  let nextToken: string | undefined;
  do {
    const body = await motoEc2(lookup, 'DescribeInstances', [
      ...filtersToParams([
        { name: 'image-id', values: query.imageIds },
        { name: 'instance-state-name', values: states },
      ]),
      ['MaxResults', '1000'],
      ...(nextToken ? ([['NextToken', nextToken]] as Params) : []),
    ]);
    for (const reservation of splitList(body, 'reservationSet')?.items ?? []) {
      for (const item of splitList(reservation, 'instancesSet')?.items ?? []) {
        const instanceId = childText(item, 'instanceId') ?? '';
        const imageId = childText(item, 'imageId') ?? '';
        if (!query.imageIds.includes(imageId)) continue;
        if (state.newResources.isHidden(scope, 'instance', instanceId, state.visibilityMs))
          continue;
        const stateName = grandchildText(item, 'instanceState', 'name');
        if (stateName === 'terminated' && terminatedLongAgo(childText(item, 'reason'), state.now()))
          continue;
        refs.push({ imageId, resourceType: 'ec2:Instance', arn: instanceArn(scope, instanceId) });
      }
    }
    nextToken = resultText(body, 'nextToken') || undefined;
  } while (nextToken);
  return refs;
}

async function launchTemplateReferences(lookup: Lookup, depth: number): Promise<ImageReference[]> {
  const { scope, query } = lookup;
  // moto cuts both lists at MaxResults (15 by default) and gives no NextToken
  const listed = await motoEc2(lookup, 'DescribeLaunchTemplates', [['MaxResults', '100000']]);
  const refs: ImageReference[] = [];
  for (const template of splitList(listed, 'launchTemplates')?.items ?? []) {
    const templateId = childText(template, 'launchTemplateId') ?? '';
    const latest = Number(childText(template, 'latestVersionNumber') ?? 0);
    if (!templateId || !(latest > 0)) continue;
    const { minVersion } = versionWindow(latest, depth);
    // moto reads MinVersion as inclusive, EC2 as "after": ask for all and cut here
    const versions = await motoEc2(lookup, 'DescribeLaunchTemplateVersions', [
      ['LaunchTemplateId', templateId],
      ['MaxResults', String(latest)],
    ]);
    const images = new Set<string>();
    for (const version of splitList(versions, 'launchTemplateVersionSet')?.items ?? []) {
      if (Number(childText(version, 'versionNumber')) < minVersion) continue;
      const imageId = grandchildText(version, 'launchTemplateData', 'imageId');
      if (imageId && query.imageIds.includes(imageId)) images.add(imageId);
    }
    for (const imageId of images)
      refs.push({
        imageId,
        resourceType: 'ec2:LaunchTemplate',
        arn: launchTemplateArn(scope, templateId),
      });
  }
  return refs;
}

interface SsmParameter {
  Name?: string;
  Type?: string;
  DataType?: string;
  Value?: string;
}

async function parameterReferences(lookup: Lookup): Promise<ImageReference[]> {
  const { scope, query } = lookup;
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await motoSsm(lookup, 'DescribeParameters', {
      MaxResults: 50,
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    for (const parameter of (page.Parameters ?? []) as SsmParameter[]) {
      const dataType = parameter.DataType ?? 'text';
      if (parameter.Name && parameter.Type === 'String' && /^(text|aws:ec2:image)$/.test(dataType))
        names.push(parameter.Name);
    }
    nextToken = typeof page.NextToken === 'string' && page.NextToken ? page.NextToken : undefined;
  } while (nextToken);
  const refs: ImageReference[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const got = await motoSsm(lookup, 'GetParameters', { Names: names.slice(i, i + 10) });
    for (const parameter of (got.Parameters ?? []) as SsmParameter[]) {
      const value = parameter.Value?.trim() ?? '';
      if (parameter.Name && query.imageIds.includes(value))
        refs.push({
          imageId: value,
          resourceType: 'ssm:Parameter',
          arn: parameterArn(scope, parameter.Name),
        });
    }
  }
  return refs;
}

export const describeImageReferences: Ec2Handler = async ({ call }, { state, moto }) => {
  const query = parseImageReferenceQuery(call.params);
  if ('code' in query) return ec2Error(400, query.code, query.message);
  const hash = queryHash(call);
  const token = getParam(call.params, 'NextToken');
  let after: string | undefined;
  if (token) {
    const decoded = decodeNextToken(token, hash);
    if ('error' in decoded) return ec2Error(400, 'InvalidPaginationToken', decoded.error);
    after = decoded.after;
  }
  const blocked = dryRun(call.params);
  if (blocked) return blocked;

  const lookup: Lookup = { moto, state, scope: call, query };
  const refs: ImageReference[] = [];
  try {
    const unknown = await unknownImages(lookup);
    if (unknown) return unknown;
    if (query.instanceStates)
      refs.push(...(await instanceReferences(lookup, query.instanceStates)));
    if (query.versionDepth)
      refs.push(...(await launchTemplateReferences(lookup, query.versionDepth)));
    if (query.ssmParameters) refs.push(...(await parameterReferences(lookup)));
  } catch (error) {
    if (error instanceof UpstreamFailure) return error.response;
    throw error;
  }

  // without MaxResults everything (that is left after NextToken) comes back
  const page = paginate(refs, referenceKey, query.maxResults ?? Number.POSITIVE_INFINITY, after);
  return ec2Result(
    call.action,
    imageReferencesXml(
      page.items,
      page.nextAfter ? encodeNextToken(page.nextAfter, hash) : undefined,
    ),
  );
};
