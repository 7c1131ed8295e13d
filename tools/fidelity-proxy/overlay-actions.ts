// The image actions moto answers with HTTP 500, answered by the proxy from its overlay with
// the response elements EC2 uses.
import { getBool, getParam, type Params, type Scope } from './ec2-request.js';
import type { Ec2Exchange, Ec2Handler, HandlerDeps } from './ec2-exchange.js';
import type { MotoClient } from './moto-client.js';
import {
  ec2Error,
  ec2Result,
  invalidParameterValue,
  isSuccess,
  missingParameter,
  type Ec2Response,
} from './responses.js';
import { el, readXml, splitList } from './xml.js';

const MINUTE_MS = 60_000;
const TEN_YEARS_MS = 10 * 365.25 * 24 * 60 * 60 * 1000;

export function dryRun(params: Params): Ec2Response | undefined {
  return getBool(params, 'DryRun')
    ? ec2Error(412, 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.')
    : undefined;
}

/** moto's answer when the image does not exist (or is gone), undefined when it does. */
async function imageMissing(
  moto: MotoClient,
  scope: Scope,
  imageId: string,
): Promise<Ec2Response | undefined> {
  const response = await moto.ec2(scope, 'DescribeImages', [['ImageId.1', imageId]]);
  if (!isSuccess(response)) return response;
  const items = splitList(response.body, 'imagesSet')?.items ?? [];
  return items.length > 0
    ? undefined
    : ec2Error(400, 'InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
}

/** Builds a handler for an action on one existing image. */
function imageAction(
  run: (imageId: string, exchange: Ec2Exchange, deps: HandlerDeps) => Promise<Ec2Response>,
): Ec2Handler {
  return async (exchange, deps) => {
    const imageId = getParam(exchange.call.params, 'ImageId');
    if (!imageId) return missingParameter('ImageId');
    const missing = await imageMissing(deps.moto, exchange.call, imageId);
    if (missing) return missing;
    return dryRun(exchange.call.params) ?? run(imageId, exchange, deps);
  };
}

export const enableImageDeprecation = imageAction(async (imageId, { call }, { state }) => {
  const raw = getParam(call.params, 'DeprecateAt');
  if (!raw) return missingParameter('DeprecateAt');
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed))
    return invalidParameterValue(
      `Value (${raw}) for parameter DeprecateAt is invalid. Expected YYYY-MM-DDTHH:MM:SSZ.`,
    );
  // EC2 rounds to the nearest minute, refuses the past and more than 10 years ahead
  const deprecateAt = Math.round(parsed / MINUTE_MS) * MINUTE_MS;
  const now = state.now();
  if (deprecateAt < now - MINUTE_MS)
    return invalidParameterValue(`The deprecation time ${raw} can't be in the past.`);
  if (deprecateAt > now + TEN_YEARS_MS)
    return invalidParameterValue(
      `The deprecation time ${raw} can't be more than 10 years from now.`,
    );
  state.overlay.setDeprecation(call, imageId, deprecateAt);
  return ec2Result(call.action, el('return', true));
});

export const disableImageDeprecation = imageAction(async (imageId, { call }, { state }) => {
  state.overlay.clearDeprecation(call, imageId);
  return ec2Result(call.action, el('return', true));
});

export const enableImageDeregistrationProtection = imageAction(
  async (imageId, { call }, { state }) => {
    const value = state.overlay.enableProtection(
      call,
      imageId,
      getBool(call.params, 'WithCooldown'),
    );
    return ec2Result(call.action, el('return', value));
  },
);

export const disableImageDeregistrationProtection = imageAction(
  async (imageId, { call }, { state }) => {
    return ec2Result(call.action, el('return', state.overlay.disableProtection(call, imageId)));
  },
);

/** Removes every launch permission of the image in moto (EC2 makes a disabled AMI private). */
async function makePrivate(
  moto: MotoClient,
  scope: Scope,
  imageId: string,
): Promise<Ec2Response | undefined> {
  const described = await moto.ec2(scope, 'DescribeImageAttribute', [
    ['ImageId', imageId],
    ['Attribute', 'launchPermission'],
  ]);
  if (!isSuccess(described)) return described;
  const document = readXml(described.body) as {
    DescribeImageAttributeResponse?: {
      launchPermission?: { item?: Array<Record<string, string>> } | '';
    };
  };
  const launchPermission = document.DescribeImageAttributeResponse?.launchPermission;
  const items = typeof launchPermission === 'object' ? (launchPermission.item ?? []) : [];
  const fields: Record<string, string> = {
    group: 'Group',
    userId: 'UserId',
    organizationArn: 'OrganizationArn',
    organizationalUnitArn: 'OrganizationalUnitArn',
  };
  const removals: Params = [];
  items.forEach((item, i) => {
    for (const [xmlName, paramName] of Object.entries(fields)) {
      const value = item[xmlName];
      if (typeof value === 'string' && value !== '')
        removals.push([`LaunchPermission.Remove.${i + 1}.${paramName}`, value]);
    }
  });
  if (removals.length === 0) return undefined;
  const removed = await moto.ec2(scope, 'ModifyImageAttribute', [
    ['ImageId', imageId],
    ...removals,
  ]);
  return isSuccess(removed) ? undefined : removed;
}

export const disableImage = imageAction(async (imageId, { call }, { state, moto }) => {
  const failed = await makePrivate(moto, call, imageId);
  if (failed) return failed;
  state.overlay.disable(call, imageId);
  return ec2Result(call.action, el('return', true));
});

export const enableImage = imageAction(async (imageId, { call }, { state }) => {
  state.overlay.enable(call, imageId);
  return ec2Result(call.action, el('return', true));
});

export const enableImageBlockPublicAccess: Ec2Handler = async ({ call }, { state }) => {
  const requested = getParam(call.params, 'ImageBlockPublicAccessState');
  if (!requested) return missingParameter('ImageBlockPublicAccessState');
  if (requested !== 'block-new-sharing') {
    return invalidParameterValue(
      `Value (${requested}) for parameter ImageBlockPublicAccessState is invalid. Valid value: block-new-sharing.`,
    );
  }
  const blocked = dryRun(call.params);
  if (blocked) return blocked;
  state.overlay.setBlockPublicAccess(call, 'block-new-sharing');
  return ec2Result(call.action, el('imageBlockPublicAccessState', 'block-new-sharing'));
};

export const disableImageBlockPublicAccess: Ec2Handler = async ({ call }, { state }) => {
  const blocked = dryRun(call.params);
  if (blocked) return blocked;
  state.overlay.setBlockPublicAccess(call, 'unblocked');
  return ec2Result(call.action, el('imageBlockPublicAccessState', 'unblocked'));
};

export const getImageBlockPublicAccessState: Ec2Handler = async ({ call }, { state }) => {
  const blocked = dryRun(call.params);
  if (blocked) return blocked;
  return ec2Result(
    call.action,
    el('imageBlockPublicAccessState', state.overlay.blockPublicAccessState(call)) +
      el('managedBy', 'account'),
  );
};
