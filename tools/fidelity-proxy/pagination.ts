// DescribeImages pagination, which moto ignores. The proxy fetches the full answer from
// moto and pages it itself: items sorted by image id, and an opaque NextToken holding the
// last id returned plus a hash of the query, so a page never repeats an image even when
// images are created or deregistered between pages.
import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { withoutParams, type Ec2Call } from './ec2-request.js';

export const MAX_RESULTS_LIMIT = 1000;

interface TokenBody {
  v: 1;
  after: string;
  q: string;
  /** The paging run whose first page the proxy kept (PageRuns), when it did. */
  r?: string;
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

export function encodeNextToken(after: string, hash: string, run?: string): string {
  const body: TokenBody = { v: 1, after, q: hash, ...(run && { r: run }) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The id to continue after, or an error message when the token does not belong to this query. */
export function decodeNextToken(
  token: string,
  hash: string,
): { after: string; run?: string } | { error: string } {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
    if (body.v !== 1 || typeof body.after !== 'string' || typeof body.q !== 'string') {
      return { error: 'The pagination token is not valid.' };
    }
    if (body.q !== hash)
      return { error: 'The pagination token does not match the request parameters.' };
    return { after: body.after, ...(typeof body.r === 'string' && { run: body.r }) };
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

/**
 * The answers of paging runs in progress: the first page of a paginated describe keeps the
 * whole merged, sorted answer, and the pages after it are cut from that (EC2 answers one
 * paging run from one view too), instead of asking moto for everything again per page, which
 * makes a 25,000-image listing cost 25 full answers. A run is forgotten after its last page,
 * after `ttlMs` without a page, or when more than `maxRuns` are kept; a token whose run is
 * forgotten is answered by asking moto again, as before.
 */
export class PageRuns<T> {
  private readonly runs = new Map<
    string,
    { items: T[]; head: string; tail: string; headers: OutgoingHttpHeaders; at: number }
  >();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxRuns = 64,
  ) {}

  start(items: T[], head: string, tail: string, headers: OutgoingHttpHeaders): string {
    this.expire();
    const id = createHash('sha256')
      .update(`${Date.now()}|${Math.random()}`)
      .digest('base64url')
      .slice(0, 16);
    this.runs.set(id, { items, head, tail, headers, at: Date.now() });
    while (this.runs.size > this.maxRuns) this.runs.delete(this.runs.keys().next().value!);
    return id;
  }

  get(id: string) {
    this.expire();
    const run = this.runs.get(id);
    if (run) run.at = Date.now();
    return run;
  }

  finish(id: string): void {
    this.runs.delete(id);
  }

  private expire() {
    const now = Date.now();
    for (const [id, run] of this.runs) if (now - run.at > this.ttlMs) this.runs.delete(id);
  }
}
