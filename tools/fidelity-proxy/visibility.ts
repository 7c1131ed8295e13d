// Eventual consistency, as EC2 and SSM really behave: right after RunInstances, CreateImage
// (CopyImage, RegisterImage) and SendCommand, describing the new id can answer
// InvalidInstanceID.NotFound / InvalidAMIID.NotFound, and GetCommandInvocation
// InvocationDoesNotExist, for a while. moto shows everything at once, so the proxy hides new
// ids from the client for `visibilityMs`: asked for by id they are "not found", listed by a
// filter they are left out. The proxy's own moto calls (name checks) still see them.
import { getList, scopeKey, type Scope } from './ec2-request.js';
import type { Ec2Handler } from './ec2-exchange.js';
import { ec2Error, isSuccess, withBody } from './responses.js';
import type { FidelityState } from './state.js';
import { childText, resultText, splitList } from './xml.js';

export type NewResourceKind = 'instance' | 'image' | 'command';

export class NewResources {
  private readonly created = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  record(scope: Scope, kind: NewResourceKind, id: string): void {
    const key = this.key(scope, kind, id);
    if (!this.created.has(key)) this.created.set(key, this.now());
  }

  isHidden(scope: Scope, kind: NewResourceKind, id: string, visibilityMs: number): boolean {
    const at = this.created.get(this.key(scope, kind, id));
    if (at === undefined) return false;
    if (this.now() - at < visibilityMs) return true;
    this.created.delete(this.key(scope, kind, id));
    return false;
  }

  reset(): void {
    this.created.clear();
  }

  private key(scope: Scope, kind: NewResourceKind, id: string): string {
    return `${scopeKey(scope)}/${kind}/${id}`;
  }
}

const hidden = (state: FidelityState, scope: Scope, kind: NewResourceKind) => (id: string) =>
  state.newResources.isHidden(scope, kind, id, state.visibilityMs);

/** RunInstances: the new instances are hidden from describes for a while. */
export function recordingInstances(inner: Ec2Handler): Ec2Handler {
  return async (exchange, deps) => {
    const response = await inner(exchange, deps);
    if (isSuccess(response) && !response.replayed)
      for (const m of response.body.matchAll(/<instanceId>([^<]+)<\/instanceId>/g))
        deps.state.newResources.record(exchange.call, 'instance', m[1] as string);
    return response;
  };
}

/** CreateImage, CopyImage, RegisterImage: the new image is hidden from describes for a while. */
export function recordingImage(inner: Ec2Handler): Ec2Handler {
  return async (exchange, deps) => {
    const response = await inner(exchange, deps);
    const imageId = isSuccess(response) ? resultText(response.body, 'imageId') : undefined;
    if (imageId && !response.replayed)
      deps.state.newResources.record(exchange.call, 'image', imageId);
    return response;
  };
}

/** DescribeImages: a hidden id asked for by id is not found; listed by filter it is left out. */
export function hidingNewImages(inner: Ec2Handler): Ec2Handler {
  return async (exchange, deps) => {
    const isHidden = hidden(deps.state, exchange.call, 'image');
    const asked = getList(exchange.call.params, 'ImageId').filter(isHidden);
    if (asked.length)
      return ec2Error(
        400,
        'InvalidAMIID.NotFound',
        `The image id '[${asked.join(', ')}]' does not exist`,
      );
    const response = await inner(exchange, deps);
    return dropItems(response, 'imagesSet', (item) => isHidden(childText(item, 'imageId') ?? ''));
  };
}

/** DescribeInstances: the same for instances, inside their reservations. */
export const describeInstances: Ec2Handler = async ({ call, forward }, { state }) => {
  const isHidden = hidden(state, call, 'instance');
  const asked = getList(call.params, 'InstanceId').filter(isHidden);
  if (asked.length) return instanceNotFound(asked);
  const response = await forward();
  const reservations = isSuccess(response) ? splitList(response.body, 'reservationSet') : undefined;
  if (!reservations) return response;
  const kept = reservations.items.flatMap((reservation) => {
    const list = splitList(reservation, 'instancesSet');
    if (!list) return [reservation];
    const visible = list.items.filter((item) => !isHidden(childText(item, 'instanceId') ?? ''));
    return visible.length ? [list.head + visible.join('') + list.tail] : [];
  });
  return withBody(response, reservations.head + kept.join('') + reservations.tail);
};

/** DescribeInstanceStatus: hidden instances are not found by id and left out of lists. */
export const describeInstanceStatus: Ec2Handler = async ({ call, forward }, { state }) => {
  const isHidden = hidden(state, call, 'instance');
  const asked = getList(call.params, 'InstanceId').filter(isHidden);
  if (asked.length) return instanceNotFound(asked);
  const response = await forward();
  return dropItems(response, 'instanceStatusSet', (item) =>
    isHidden(childText(item, 'instanceId') ?? ''),
  );
};

function instanceNotFound(ids: string[]) {
  return ec2Error(
    400,
    'InvalidInstanceID.NotFound',
    `The instance ID${ids.length > 1 ? 's' : ''} '${ids.join(', ')}' ${ids.length > 1 ? 'do' : 'does'} not exist`,
  );
}

function dropItems<R extends { status: number; body: string }>(
  response: R,
  listName: string,
  drop: (item: string) => boolean,
): R {
  const list = isSuccess(response) ? splitList(response.body, listName) : undefined;
  if (!list) return response;
  const kept = list.items.filter((item) => !drop(item));
  if (kept.length === list.items.length) return response;
  return { ...response, body: list.head + kept.join('') + list.tail };
}
