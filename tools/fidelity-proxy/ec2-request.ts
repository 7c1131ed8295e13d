// Reads an EC2 query-API request: action and parameters from the form body (and query
// string), the region and service from the SigV4 credential scope, the account from
// moto's x-moto-account-id header.
import type { IncomingHttpHeaders } from 'node:http';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

/** Form parameters in request order; keys can repeat in theory, so a list, not a map. */
export type Params = Array<[string, string]>;

/** The account and region a request acts in; EC2 state never crosses this boundary. */
export interface Scope {
  account: string;
  region: string;
}

export interface Ec2Call extends Scope {
  action: string;
  params: Params;
}

export interface Ec2Filter {
  name: string;
  values: string[];
}

export function scopeKey(scope: Scope): string {
  return `${scope.account}/${scope.region}`;
}

export function parseCredentialScope(authorization: string | undefined): {
  region?: string;
  service?: string;
} {
  const match = authorization
    ? /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization)
    : null;
  return match ? { region: match[1], service: match[2] } : {};
}

export function parseForm(body: string): Params {
  return [...new URLSearchParams(body)];
}

// EC2 wants RFC 3986 encoding (encodeURIComponent leaves !'()* alone).
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function encodeForm(params: Params): string {
  return params.map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`).join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Which service a request is signed for, if it is signed. */
export function signedService(headers: IncomingHttpHeaders): string | undefined {
  return parseCredentialScope(headerValue(headers, 'authorization')).service;
}

export function accountOf(headers: IncomingHttpHeaders): string {
  return headerValue(headers, 'x-moto-account-id')?.trim() || DEFAULT_ACCOUNT_ID;
}

export function regionOf(headers: IncomingHttpHeaders): string {
  return parseCredentialScope(headerValue(headers, 'authorization')).region ?? DEFAULT_REGION;
}

/** Parses an EC2 call; undefined when the body carries no Action. */
export function parseEc2Call(
  headers: IncomingHttpHeaders,
  url: string,
  body: string,
): Ec2Call | undefined {
  const query = url.includes('?') ? parseForm(url.slice(url.indexOf('?') + 1)) : [];
  const params = [...query, ...parseForm(body)];
  const action = getParam(params, 'Action');
  if (!action) return undefined;
  return { action, params, account: accountOf(headers), region: regionOf(headers) };
}

export function getParam(params: Params, key: string): string | undefined {
  return params.find(([k]) => k === key)?.[1];
}

export function getBool(params: Params, key: string): boolean {
  return getParam(params, key)?.toLowerCase() === 'true';
}

/** Values of a list parameter (`ImageId.1`, `ImageId.2`, ...) in index order. */
export function getList(params: Params, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  return params
    .map(([key, value]) => ({ index: Number(pattern.exec(key)?.[1] ?? NaN), value }))
    .filter((entry) => !Number.isNaN(entry.index))
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.value);
}

/** `Filter.N.Name` / `Filter.N.Value.M` as a list of filters, in index order. */
export function getFilters(params: Params): Ec2Filter[] {
  const byIndex = new Map<number, { name?: string; values: Array<[number, string]> }>();
  for (const [key, value] of params) {
    const match = /^Filter\.(\d+)\.(Name|Value\.(\d+))$/.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const entry = byIndex.get(index) ?? { values: [] };
    if (match[2] === 'Name') entry.name = value;
    else entry.values.push([Number(match[3]), value]);
    byIndex.set(index, entry);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .filter(([, entry]) => entry.name !== undefined)
    .map(([, entry]) => ({
      name: entry.name as string,
      values: entry.values.sort(([a], [b]) => a - b).map(([, v]) => v),
    }));
}

export function filtersToParams(filters: Ec2Filter[]): Params {
  return filters.flatMap((filter, i): Params => [
    [`Filter.${i + 1}.Name`, filter.name],
    ...filter.values.map((value, j): [string, string] => [`Filter.${i + 1}.Value.${j + 1}`, value]),
  ]);
}

/** The parameters without the named keys and without any key starting with a listed prefix. */
export function withoutParams(params: Params, keys: string[], prefixes: string[] = []): Params {
  return params.filter(
    ([key]) => !keys.includes(key) && !prefixes.some((prefix) => key.startsWith(prefix)),
  );
}

/** EC2 filter-value matching: `*` any run of characters, `?` one character, `\` escapes. */
export function matchesFilterValue(value: string, pattern: string): boolean {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      regex += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') regex += '.*';
    else if (c === '?') regex += '.';
    else regex += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`, 's').test(value);
}

/**
 * An EC2 filter value rewritten for moto, which matches with Python's fnmatch: there `[`
 * opens a character class, while in EC2 it is literal (AMI names may contain brackets).
 */
export function ec2PatternToFnmatch(pattern: string): string {
  let result = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      const escaped = pattern[++i] as string;
      result += '*?[]'.includes(escaped) ? `[${escaped}]` : escaped;
    } else if (c === '[') result += '[[]';
    else result += c;
  }
  return result;
}
