// DescribeImages pagination, which moto ignores. The proxy fetches the full answer from
// moto and pages it itself: items sorted by image id, and an opaque NextToken holding the
// last id returned plus a hash of the query, so a page never repeats an image even when
// images are created or deregistered between pages.
import { createHash } from 'node:crypto';
import { withoutParams, type Ec2Call } from './ec2-request.js';

export const MAX_RESULTS_LIMIT = 1000;

interface TokenBody {
  v: 1;
  after: string;
  q: string;
}

/** A hash of everything that shapes the result set, so a token only fits its own query. */
export function queryHash(call: Ec2Call): string {
  const params = withoutParams(call.params, ['MaxResults', 'NextToken', 'Version', 'DryRun'])
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return createHash('sha256')
    .update(`${call.account}|${call.region}|${call.action}|${params.join('&')}`)
    .digest('base64url')
    .slice(0, 22);
}

export function encodeNextToken(after: string, hash: string): string {
  const body: TokenBody = { v: 1, after, q: hash };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The id to continue after, or an error message when the token does not belong to this query. */
export function decodeNextToken(
  token: string,
  hash: string,
): { after: string } | { error: string } {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
    if (body.v !== 1 || typeof body.after !== 'string' || typeof body.q !== 'string') {
      return { error: 'The pagination token is not valid.' };
    }
    if (body.q !== hash)
      return { error: 'The pagination token does not match the request parameters.' };
    return { after: body.after };
  } catch {
    return { error: 'The pagination token is not valid.' };
  }
}

export interface Page<T> {
  items: T[];
  nextAfter?: string;
}

/** Keyset pagination over items with string ids. */
export function paginate<T>(
  items: T[],
  idOf: (item: T) => string,
  maxResults: number,
  after?: string,
): Page<T> {
  const sorted = [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => idOf(item) > after);
  const page = rest.slice(0, maxResults);
  const last = page[page.length - 1];
  return rest.length > maxResults && last !== undefined
    ? { items: page, nextAfter: idOf(last) }
    : { items: page };
}

/** MaxResults as a number, undefined when absent, or an error message. */
export function parseMaxResults(raw: string | undefined): number | undefined | { error: string } {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_RESULTS_LIMIT) {
    return {
      error: `Value (${raw}) for parameter maxResults is invalid. Expecting a value between 1 and ${MAX_RESULTS_LIMIT}.`,
    };
  }
  return value;
}
