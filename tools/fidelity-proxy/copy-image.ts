// CopyImage as EC2 does it, where moto is simpler: moto ignores Encrypted/KmsKeyId,
// CopyImageTags and TagSpecifications, and lets any number of copies run at once. The proxy
// checks the KMS key in the destination region (an unknown key is refused; a disabled one
// makes a copy that fails after its pending period, as EC2 reports it), copies the source's
// tags and applies the tag specifications to the copy and its snapshots, and tracks the
// copies in flight per destination region (their peak, and EC2's concurrent-copy limit), and
// copies an image another account shared with the caller (moto copies own images only).
import { getBool, getParam, withoutParams, type Ec2Call, type Scope } from './ec2-request.js';
import type { Ec2Handler } from './ec2-exchange.js';
import type { MotoClient } from './moto-client.js';
import { ec2Error, isSuccess, missingParameter, type Ec2Response } from './responses.js';
import { el, resultText, splitList } from './xml.js';

export interface CopyFailure {
  code: string;
  message: string;
}

interface CopyRecord {
  imageId: string;
  startedAt: number;
  pendingMs: number;
  kmsKeyId?: string;
  encrypted: boolean;
  failure?: CopyFailure;
}

/** What the proxy knows of the copies made through it, per destination account x region. */
export class CopyTracker {
  private readonly copies = new Map<string, CopyRecord>();
  private readonly peaks = new Map<string, number>();
  /** EC2's concurrent-copy limit per destination region; unlimited when undefined. */
  maxInFlight: number | undefined;

  constructor(private readonly now: () => number) {}

  /** Copies still pending in a region. */
  inFlight(scope: Scope): number {
    const prefix = `${scope.account}/${scope.region}/`;
    const now = this.now();
    let n = 0;
    for (const [key, copy] of this.copies)
      if (key.startsWith(prefix) && now - copy.startedAt < copy.pendingMs) n++;
    return n;
  }

  record(scope: Scope, copy: Omit<CopyRecord, 'startedAt'>): void {
    this.copies.set(`${scope.account}/${scope.region}/${copy.imageId}`, {
      ...copy,
      startedAt: this.now(),
    });
    const region = `${scope.account}/${scope.region}`;
    this.peaks.set(region, Math.max(this.peaks.get(region) ?? 0, this.inFlight(scope)));
  }

  get(scope: Scope, imageId: string): CopyRecord | undefined {
    return this.copies.get(`${scope.account}/${scope.region}/${imageId}`);
  }

  /** The failure a copy shows once its pending period is over. */
  failureOf(scope: Scope, imageId: string): CopyFailure | undefined {
    const copy = this.get(scope, imageId);
    if (!copy?.failure || this.now() - copy.startedAt < copy.pendingMs) return undefined;
    return copy.failure;
  }

  /** The most copies ever pending at once, per `account/region`. */
  peakInFlight(): Record<string, number> {
    return Object.fromEntries(this.peaks);
  }

  reset(): void {
    this.copies.clear();
    this.peaks.clear();
  }
}

type KeyState = 'usable' | 'missing' | { unusable: string };

/** The key's state in moto's KMS, in the destination account and region. */
async function kmsKeyState(moto: MotoClient, scope: Scope, keyId: string): Promise<KeyState> {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const response = await moto.send(
    'POST',
    '/',
    {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'TrentService.DescribeKey',
      authorization: `AWS4-HMAC-SHA256 Credential=fidelity-proxy/${date}/${scope.region}/kms/aws4_request, SignedHeaders=host, Signature=0`,
      'x-moto-account-id': scope.account,
    },
    JSON.stringify({ KeyId: keyId }),
  );
  if (!isSuccess(response)) return 'missing';
  const state = (JSON.parse(response.body) as { KeyMetadata?: { KeyState?: string } }).KeyMetadata
    ?.KeyState;
  return state === 'Enabled' ? 'usable' : { unusable: state ?? 'Unknown' };
}

function tagParams(resourceIds: string[], tags: Array<[string, string]>): Array<[string, string]> {
  return [
    ...resourceIds.map((id, i) => [`ResourceId.${i + 1}`, id] as [string, string]),
    ...tags.flatMap(([key, value], i) => [
      [`Tag.${i + 1}.Key`, key] as [string, string],
      [`Tag.${i + 1}.Value`, value] as [string, string],
    ]),
  ];
}

/** The tags of each TagSpecification.N, by resource type. */
export function tagSpecifications(call: Ec2Call): Record<string, Array<[string, string]>> {
  const byType: Record<string, Array<[string, string]>> = {};
  for (const [key, type] of call.params) {
    const m = /^TagSpecification\.(\d+)\.ResourceType$/.exec(key);
    if (!m) continue;
    const tags = (byType[type] ??= []);
    for (let i = 1; ; i++) {
      const tagKey = getParam(call.params, `TagSpecification.${m[1]}.Tag.${i}.Key`);
      if (tagKey === undefined) break;
      tags.push([tagKey, getParam(call.params, `TagSpecification.${m[1]}.Tag.${i}.Value`) ?? '']);
    }
  }
  return byType;
}

async function describeOne(moto: MotoClient, scope: Scope, imageId: string) {
  const response = await moto.ec2(scope, 'DescribeImages', [['ImageId.1', imageId]]);
  return isSuccess(response) ? splitList(response.body, 'imagesSet')?.items[0] : undefined;
}

async function tagCopy(moto: MotoClient, call: Ec2Call, imageId: string): Promise<void> {
  const specs = tagSpecifications(call);
  const imageTags: Array<[string, string]> = [];
  if (getBool(call.params, 'CopyImageTags')) {
    const sourceRegion = getParam(call.params, 'SourceRegion') ?? call.region;
    const source = await describeOne(
      moto,
      { account: call.account, region: sourceRegion },
      getParam(call.params, 'SourceImageId') ?? '',
    );
    for (const m of (source ?? '').matchAll(
      /<item>\s*<key>([^<]*)<\/key>\s*<value>([^<]*)<\/value>\s*<\/item>/g,
    ))
      imageTags.push([m[1] as string, m[2] as string]);
  }
  imageTags.push(...(specs.image ?? []));
  if (imageTags.length) await moto.ec2(call, 'CreateTags', tagParams([imageId], imageTags));
  if (specs.snapshot?.length) {
    const copy = await describeOne(moto, call, imageId);
    const snapshots = [
      ...new Set([...(copy ?? '').matchAll(/<snapshotId>([^<]+)<\/snapshotId>/g)].map((m) => m[1])),
    ] as string[];
    if (snapshots.length) await moto.ec2(call, 'CreateTags', tagParams(snapshots, specs.snapshot));
  }
}

/**
 * moto copies only images of the caller's own account. EC2 also copies an image another
 * account shared with the caller (launch permission): the copy is the caller's own image, with
 * its own snapshots. The proxy finds the owner among the accounts it has seen, checks the
 * share, and makes the copy in the caller's account with RegisterImage (moto gives it a
 * snapshot of its own). Asked only once moto has answered that the caller has no such image.
 */
async function copySharedImage(
  moto: MotoClient,
  call: Ec2Call,
  accounts: Iterable<string>,
): Promise<Ec2Response> {
  const sourceRegion = getParam(call.params, 'SourceRegion') ?? call.region;
  const sourceId = getParam(call.params, 'SourceImageId') ?? '';
  for (const owner of accounts) {
    if (owner === call.account) continue;
    const scope = { account: owner, region: sourceRegion };
    const source = await describeOne(moto, scope, sourceId);
    if (!source) continue;
    const attribute = await moto.ec2(scope, 'DescribeImageAttribute', [
      ['ImageId', sourceId],
      ['Attribute', 'launchPermission'],
    ]);
    const shared =
      isSuccess(attribute) &&
      (attribute.body.includes(`<userId>${call.account}</userId>`) ||
        attribute.body.includes('<group>all</group>'));
    if (!shared) break;
    const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(source)?.[1];
    return moto.ec2(call, 'RegisterImage', [
      ['Name', getParam(call.params, 'Name') ?? sourceId],
      ['Description', getParam(call.params, 'Description') ?? ''],
      ['Architecture', field('architecture') ?? 'x86_64'],
      ['RootDeviceName', field('rootDeviceName') ?? '/dev/xvda'],
      ['VirtualizationType', field('virtualizationType') ?? 'hvm'],
      ['BlockDeviceMapping.1.DeviceName', field('rootDeviceName') ?? '/dev/xvda'],
      ['BlockDeviceMapping.1.Ebs.VolumeSize', '8'],
    ]);
  }
  return ec2Error(
    400,
    'InvalidAMIID.NotFound',
    `The image id '[${sourceId}]' does not exist or is not shared with account ${call.account}`,
  );
}

/** The answer EC2 gives a copy that would exceed the concurrent-copy limit. */
function copyLimitExceeded(limit: number, region: string): Ec2Response {
  return ec2Error(
    400,
    'ResourceLimitExceeded',
    `You have reached the limit of ${limit} concurrent AMI copies in ${region}. Wait for copies in progress to complete and try again.`,
  );
}

export const copyImage: Ec2Handler = async ({ call, forward }, { state, names, moto }) => {
  if (!getParam(call.params, 'Name')) return missingParameter('Name');
  const kmsKeyId = getParam(call.params, 'KmsKeyId');
  const encrypted = getBool(call.params, 'Encrypted');
  if (kmsKeyId && !encrypted)
    return ec2Error(400, 'InvalidParameterCombination', 'KmsKeyId requires Encrypted=true.');
  const params = withoutParams(call.params, ['CopyImageTags'], ['TagSpecification.']);
  return state.tokens.run(call, () =>
    names.guard(call, async () => {
      let failure: CopyFailure | undefined;
      if (kmsKeyId) {
        const key = await kmsKeyState(moto, call, kmsKeyId);
        if (key === 'missing')
          return ec2Error(
            400,
            'InvalidParameterValue',
            `The KMS key ${kmsKeyId} does not exist in ${call.region} or is not accessible.`,
          );
        if (key !== 'usable')
          failure = {
            code: 'Client.InvalidKMSKey.InvalidState',
            message: `The KMS key provided is in an incorrect state (${key.unusable}).`,
          };
      }
      const limit = state.copies.maxInFlight;
      if (limit !== undefined && state.copies.inFlight(call) >= limit)
        return copyLimitExceeded(limit, call.region);
      let response = await forward(params);
      if (!isSuccess(response) && response.body.includes('InvalidAMIID.NotFound'))
        response = await copySharedImage(moto, call, state.accounts);
      const imageId = isSuccess(response) ? resultText(response.body, 'imageId') : undefined;
      if (!imageId) return response;
      await tagCopy(moto, call, imageId);
      state.created.record(call, {
        imageId,
        sourceImageId: getParam(call.params, 'SourceImageId'),
        sourceRegion: getParam(call.params, 'SourceRegion'),
      });
      state.copies.record(call, {
        imageId,
        pendingMs: state.pendingMs,
        kmsKeyId,
        encrypted,
        failure,
      });
      return response;
    }),
  );
};

/** A failed copy's item as EC2 shows it: state failed and the reason. */
export function withCopyFailure(itemXml: string, failure: CopyFailure | undefined): string {
  if (!failure) return itemXml;
  const reason = `<stateReason>${el('code', failure.code)}${el('message', failure.message)}</stateReason>`;
  const withState = itemXml.replace(
    /<imageState>[^<]*<\/imageState>/,
    '<imageState>failed</imageState>',
  );
  const at = withState.lastIndexOf('</item>');
  return at < 0 ? withState : withState.slice(0, at) + reason + withState.slice(at);
}
