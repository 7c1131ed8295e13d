// ImdsSupport on images: EC2 keeps `ImdsSupport=v2.0` (set by RegisterImage or
// ModifyImageAttribute) and shows it in DescribeImages and DescribeImageAttribute; moto
// accepts the parameter and forgets it. The proxy keeps it per account + region + image.
import { getParam, scopeKey, type Scope } from './ec2-request.js';
import type { Ec2Handler } from './ec2-exchange.js';
import { ec2Result, invalidParameterValue, isSuccess } from './responses.js';
import { el, resultText, setChildText, splitList } from './xml.js';

export class ImdsSupport {
  private readonly values = new Map<string, string>();

  set(scope: Scope, imageId: string, value: string): void {
    this.values.set(`${scopeKey(scope)}/${imageId}`, value);
  }

  get(scope: Scope, imageId: string): string | undefined {
    return this.values.get(`${scopeKey(scope)}/${imageId}`);
  }

  reset(): void {
    this.values.clear();
  }
}

const VALUES = ['v2.0'];

/** ModifyImageAttribute with `ImdsSupport.Value`: kept by the proxy (EC2 cannot unset it). */
export function keepingImdsOnModify(inner: Ec2Handler): Ec2Handler {
  return async (exchange, deps) => {
    const value = getParam(exchange.call.params, 'ImdsSupport.Value');
    const imageId = getParam(exchange.call.params, 'ImageId');
    if (value !== undefined && !VALUES.includes(value))
      return invalidParameterValue(
        `Value (${value}) for parameter ImdsSupport is invalid. Supported: v2.0`,
      );
    const response = await inner(exchange, deps);
    if (value && imageId && isSuccess(response)) deps.state.imds.set(exchange.call, imageId, value);
    return response;
  };
}

/** RegisterImage with `ImdsSupport`: kept for the new image. */
export function keepingImdsOnRegister(inner: Ec2Handler): Ec2Handler {
  return async (exchange, deps) => {
    const value =
      exchange.call.action === 'RegisterImage'
        ? getParam(exchange.call.params, 'ImdsSupport')
        : undefined;
    if (value !== undefined && !VALUES.includes(value))
      return invalidParameterValue(
        `Value (${value}) for parameter ImdsSupport is invalid. Supported: v2.0`,
      );
    const response = await inner(exchange, deps);
    const imageId = isSuccess(response) ? resultText(response.body, 'imageId') : undefined;
    if (value && imageId) deps.state.imds.set(exchange.call, imageId, value);
    return response;
  };
}

/** DescribeImages: `imdsSupport` on images that have it. */
export function showingImds(inner: Ec2Handler): Ec2Handler {
  return async (exchange, deps) => {
    const response = await inner(exchange, deps);
    const list = isSuccess(response) ? splitList(response.body, 'imagesSet') : undefined;
    if (!list) return response;
    const items = list.items.map((item) => {
      const imageId = /<imageId>([^<]+)<\/imageId>/.exec(item)?.[1];
      const value = imageId ? deps.state.imds.get(exchange.call, imageId) : undefined;
      return value ? setChildText(item, 'imdsSupport', value) : item;
    });
    return { ...response, body: list.head + items.join('') + list.tail };
  };
}

/** DescribeImageAttribute Attribute=imdsSupport (moto answers 500). */
export function answeringImdsAttribute(inner: Ec2Handler): Ec2Handler {
  return async (exchange, deps) => {
    if (getParam(exchange.call.params, 'Attribute') !== 'imdsSupport') return inner(exchange, deps);
    const imageId = getParam(exchange.call.params, 'ImageId') ?? '';
    const value = deps.state.imds.get(exchange.call, imageId);
    return ec2Result(
      'DescribeImageAttribute',
      `${el('imageId', imageId)}<imdsSupport>${value ? el('value', value) : ''}</imdsSupport>`,
    );
  };
}
