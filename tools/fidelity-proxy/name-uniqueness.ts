// AMI names are unique per account and region in EC2; moto accepts duplicates. Before a
// CreateImage/CopyImage/RegisterImage reaches moto the proxy asks moto for an image of the
// caller's own with that name, so images made before the proxy started count too. Calls
// for the same name are serialised so that two concurrent creates cannot both pass.
import {
  ec2PatternToFnmatch,
  getParam,
  scopeKey,
  type Ec2Call,
  type Scope,
} from './ec2-request.js';
import type { MotoClient } from './moto-client.js';
import { ec2Error, isSuccess, type Ec2Response } from './responses.js';
import { childText, splitList } from './xml.js';

export const NAMED_CREATE_ACTIONS = new Set(['CreateImage', 'CopyImage', 'RegisterImage']);

/** The id of an image owned by the scope's account with exactly this name, if any. */
export async function findOwnImageByName(
  moto: MotoClient,
  scope: Scope,
  name: string,
): Promise<string | undefined> {
  const response = await moto.ec2(scope, 'DescribeImages', [
    ['Owner.1', 'self'],
    ['Filter.1.Name', 'name'],
    ['Filter.1.Value.1', ec2PatternToFnmatch(name.replace(/[\\*?]/g, '\\$&'))],
  ]);
  if (!isSuccess(response))
    throw new Error(`name check: moto DescribeImages answered HTTP ${response.status}`);
  const list = splitList(response.body, 'imagesSet');
  const match = list?.items.find(
    (item) => childText(item, 'name') === name && childText(item, 'imageState') !== 'deregistered',
  );
  return match ? childText(match, 'imageId') : undefined;
}

export function duplicateName(name: string, imageId: string): Ec2Response {
  return ec2Error(
    400,
    'InvalidAMIName.Duplicate',
    `AMI name ${name} is already in use by AMI ${imageId}`,
  );
}

/** Runs one task at a time per key. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class NameUniqueness {
  private readonly lock = new KeyedLock();

  constructor(private readonly moto: MotoClient) {}

  /**
   * Refuses the create when its name is taken in the account and region, otherwise runs it
   * while holding the name.
   */
  guard(call: Ec2Call, create: () => Promise<Ec2Response>): Promise<Ec2Response> {
    const name = getParam(call.params, 'Name');
    if (!NAMED_CREATE_ACTIONS.has(call.action) || !name) return create();
    return this.lock.run(`${scopeKey(call)}/${name}`, async () => {
      const existing = await findOwnImageByName(this.moto, call, name);
      if (existing) return duplicateName(name, existing);
      return create();
    });
  }
}
