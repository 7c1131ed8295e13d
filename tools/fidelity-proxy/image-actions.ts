// EC2 actions moto implements but too loosely: image creation (name uniqueness,
// ClientToken, pending state), RunInstances (ClientToken), DeregisterImage (protection,
// DeleteAssociatedSnapshots) and ModifyImageAttribute (disabled images, block public access).
import {
  getBool,
  getList,
  getParam,
  withoutParams,
  type Params,
  type Scope,
} from './ec2-request.js';
import type { Ec2Handler } from './ec2-exchange.js';
import type { MotoClient } from './moto-client.js';
import { unknownOrganization } from './organizations.js';
import { ec2Error, ec2Result, isSuccess, missingParameter } from './responses.js';
import { el, readEc2Error, resultText, splitList } from './xml.js';

export const createImage: Ec2Handler = async ({ call, forward }, { state, names, moto }) => {
  if (call.action === 'CopyImage' && !getParam(call.params, 'Name'))
    return missingParameter('Name');
  // moto raises NotImplementedError for snapshot tag specifications on CreateImage; EC2 tags
  // the new snapshots. Forward without them and tag the snapshots ourselves.
  const { params, snapshotTags } = splitSnapshotTagSpecs(call.params);
  return state.tokens.run(call, () =>
    names.guard(call, async () => {
      const response = await forward(params);
      const imageId = isSuccess(response) ? resultText(response.body, 'imageId') : undefined;
      if (imageId && snapshotTags.length) {
        const snapshots = await snapshotIdsOf(moto, call, imageId);
        if (snapshots.length) {
          await moto.ec2(call, 'CreateTags', [
            ...snapshots.map((id, i) => [`ResourceId.${i + 1}`, id] as [string, string]),
            ...snapshotTags.flatMap(([key, value], i) => [
              [`Tag.${i + 1}.Key`, key] as [string, string],
              [`Tag.${i + 1}.Value`, value] as [string, string],
            ]),
          ]);
        }
      }
      if (imageId) {
        state.created.record(call, {
          imageId,
          sourceImageId:
            call.action === 'CopyImage' ? getParam(call.params, 'SourceImageId') : undefined,
          sourceRegion:
            call.action === 'CopyImage' ? getParam(call.params, 'SourceRegion') : undefined,
        });
      }
      return response;
    }),
  );
};

export const runInstances: Ec2Handler = ({ call, forward }, { state }) =>
  state.tokens.run(call, () => forward());

/** CreateLaunchTemplateVersion and ModifyLaunchTemplate take a ClientToken in EC2; moto ignores it. */
export const idempotentByToken: Ec2Handler = ({ call, forward }, { state }) =>
  state.tokens.run(call, () => forward());

async function snapshotIdsOf(moto: MotoClient, scope: Scope, imageId: string): Promise<string[]> {
  const response = await moto.ec2(scope, 'DescribeImages', [['ImageId.1', imageId]]);
  const item = isSuccess(response) ? splitList(response.body, 'imagesSet')?.items[0] : undefined;
  return item
    ? [
        ...new Set(
          [...item.matchAll(/<snapshotId>([^<]+)<\/snapshotId>/g)].map((m) => m[1] as string),
        ),
      ]
    : [];
}

/** The DeleteSnapshotReturnCode EC2 reports for one snapshot. */
async function deleteSnapshot(moto: MotoClient, scope: Scope, snapshotId: string): Promise<string> {
  try {
    const response = await moto.ec2(scope, 'DeleteSnapshot', [['SnapshotId', snapshotId]]);
    if (isSuccess(response)) return 'success';
    // still used by another image: EC2 keeps it and says so
    if (readEc2Error(response.body)?.code === 'InvalidSnapshot.InUse') return 'skipped';
    return response.status >= 500 ? 'internal-error' : 'client-error';
  } catch {
    return 'internal-error';
  }
}

export const deregisterImage: Ec2Handler = async ({ call, forward }, { state, moto }) => {
  const imageId = getParam(call.params, 'ImageId');
  if (!imageId) return missingParameter('ImageId');
  if (state.overlay.isProtected(call, imageId)) {
    return ec2Error(
      400,
      'OperationNotPermitted',
      `The image ${imageId} can't be deregistered because deregistration protection is ${state.overlay.protectionValue(call, imageId)}. ` +
        'Disable deregistration protection first (with a cooldown, deregistration stays blocked for 24 hours).',
    );
  }
  const deleteSnapshots = getBool(call.params, 'DeleteAssociatedSnapshots');
  const snapshots = deleteSnapshots ? await snapshotIdsOf(moto, call, imageId) : [];
  // moto ignores DeleteAssociatedSnapshots; the proxy does the deleting
  const response = await forward(withoutParams(call.params, ['DeleteAssociatedSnapshots']));
  if (!isSuccess(response)) return response;
  state.overlay.forget(call, imageId);
  state.created.forget(call, imageId);
  if (!deleteSnapshots) return response;
  const results: string[] = [];
  for (const snapshotId of snapshots) {
    const code = await deleteSnapshot(moto, call, snapshotId);
    results.push(`<item>${el('snapshotId', snapshotId)}${el('returnCode', code)}</item>`);
  }
  return ec2Result(
    'DeregisterImage',
    `${el('return', true)}<deleteSnapshotResultSet>${results.join('')}</deleteSnapshotResultSet>`,
  );
};

export interface LaunchPermissionChange {
  group?: string;
  userId?: string;
  organizationArn?: string;
  organizationalUnitArn?: string;
}

/** Launch permissions a ModifyImageAttribute call adds, in either of its two request forms. */
export function launchPermissionsAdded(params: Params): LaunchPermissionChange[] {
  const added = new Map<string, LaunchPermissionChange>();
  for (const [key, value] of params) {
    const match =
      /^LaunchPermission\.Add\.(\d+)\.(Group|UserId|OrganizationArn|OrganizationalUnitArn)$/.exec(
        key,
      );
    if (!match) continue;
    const entry = added.get(match[1] as string) ?? {};
    const field = ((match[2] as string).charAt(0).toLowerCase() +
      (match[2] as string).slice(1)) as keyof LaunchPermissionChange;
    entry[field] = value;
    added.set(match[1] as string, entry);
  }
  const changes = [...added.values()];
  if (getParam(params, 'OperationType') === 'add') {
    changes.push(...getList(params, 'UserGroup').map((group) => ({ group })));
    changes.push(...getList(params, 'UserId').map((userId) => ({ userId })));
    changes.push(
      ...getList(params, 'OrganizationArn').map((organizationArn) => ({ organizationArn })),
    );
    changes.push(
      ...getList(params, 'OrganizationalUnitArn').map((organizationalUnitArn) => ({
        organizationalUnitArn,
      })),
    );
  }
  return changes;
}

export const modifyImageAttribute: Ec2Handler = async ({ call, forward }, { state }) => {
  const imageId = getParam(call.params, 'ImageId');
  const added = launchPermissionsAdded(call.params);
  if (imageId && added.length > 0 && state.overlay.isDisabled(call, imageId)) {
    return ec2Error(
      400,
      'OperationNotPermitted',
      `The image ${imageId} is disabled and can't be shared. Enable it first.`,
    );
  }
  if (
    added.some((change) => change.group === 'all') &&
    state.overlay.blockPublicAccessState(call) === 'block-new-sharing'
  ) {
    return ec2Error(
      400,
      'OperationNotPermitted',
      `The image ${imageId ?? ''} can't be made public because block public access for AMIs is enabled for this account in ${call.region}.`,
    );
  }
  return unknownOrganization(state, added) ?? forward();
};

/** Takes the TagSpecification.N entries for snapshots out of a CreateImage request. */
export function splitSnapshotTagSpecs(params: Params): {
  params: Params;
  snapshotTags: Array<[string, string]>;
} {
  const snapshotSpecs = new Set<string>();
  for (const [key, value] of params) {
    const m = /^TagSpecification\.(\d+)\.ResourceType$/.exec(key);
    if (m && value === 'snapshot') snapshotSpecs.add(m[1] as string);
  }
  if (snapshotSpecs.size === 0) return { params, snapshotTags: [] };
  const tags: Array<[string, string]> = [];
  for (const n of snapshotSpecs) {
    for (let i = 1; ; i++) {
      const key = getParam(params, `TagSpecification.${n}.Tag.${i}.Key`);
      if (key === undefined) break;
      tags.push([key, getParam(params, `TagSpecification.${n}.Tag.${i}.Value`) ?? '']);
    }
  }
  const prefixes = [...snapshotSpecs].map((n) => `TagSpecification.${n}.`);
  return { params: withoutParams(params, [], prefixes), snapshotTags: tags };
}
