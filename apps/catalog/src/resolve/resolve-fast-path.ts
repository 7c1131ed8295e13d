import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { FAMILY_NAME } from '@ami/contracts';
import { roleSatisfies, type TokenVerifier } from '@ami/auth';
import type { ResolvedAnswer, ResolveService } from './resolve.service.js';

const PREFIX = '/v1/families/';
const SUFFIX = '/resolve';
// The patterns of catalog-params.ts (channelName, region) and of FAMILY_NAME: only these plain
// characters, so a value that passes needs no percent-decoding to mean what Fastify would read.
const CHANNEL = /^[a-z0-9][a-z0-9-]{0,31}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/** RFC 9110 If-None-Match (weak comparison): does the header name this entity tag? */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === etag) return true;
  for (const part of value.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/** The resolve answer's caching headers: its tag, and how long a client may reuse it. */
export function cacheControl(maxAgeSeconds: number): string {
  return `max-age=${maxAgeSeconds}`;
}

/**
 * GET /v1/families/{family}/resolve answered before Fastify routing and Nest's per-request
 * pipeline, when everything about the request is the common case: a plain path and query whose
 * values pass the same patterns the route's schemas hold, a bearer token the guard verified
 * before (still cached, role reader or better) and an answer in the resolve cache. Anything
 * else (a miss, a cached 404, an unknown token, a bad or unusual parameter, HEAD) is left to the
 * Nest route, which gives the same answer the slow way, so errors, auth refusals and OpenAPI
 * stay those of the one controller.
 */
export class ResolveFastPath {
  private readonly cacheControl: string;

  constructor(
    private readonly resolver: ResolveService,
    private readonly verifier: TokenVerifier,
    maxAgeSeconds: number,
  ) {
    this.cacheControl = cacheControl(maxAgeSeconds);
  }

  /** True when it answered the request; false to pass it on untouched. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET') return false;
    const url = req.url!;
    if (!url.startsWith(PREFIX)) return false;
    const slash = url.indexOf('/', PREFIX.length);
    if (slash < 0 || !url.startsWith(SUFFIX, slash)) return false;
    const end = slash + SUFFIX.length;
    if (end !== url.length && url.charCodeAt(end) !== 63 /* ? */) return false;
    const family = url.slice(PREFIX.length, slash);
    if (!FAMILY_NAME.test(family)) return false;
    const query = parseQuery(url, end + 1);
    if (query === undefined) return false;
    if (!this.admitted(req.headers.authorization)) return false;
    const answer = this.resolver.cachedAnswer(family, query.channel, query.region);
    if (answer === undefined) return false;
    this.send(req, res, answer);
    return true;
  }

  private admitted(header: string | undefined): boolean {
    if (header === undefined || header.length < 8) return false;
    const scheme = header.slice(0, 7);
    if (scheme !== 'Bearer ' && scheme.toLowerCase() !== 'bearer ') return false;
    const token = header.slice(7).trim();
    if (token.length === 0) return false;
    const actor = this.verifier.lookup(token);
    return actor !== undefined && roleSatisfies(actor.highestRole, 'reader');
  }

  private send(req: IncomingMessage, res: ServerResponse, answer: ResolvedAnswer): void {
    if (etagMatches(req.headers['if-none-match'], answer.etag)) {
      res.writeHead(304, ['etag', answer.etag, 'cache-control', this.cacheControl]);
      res.end();
      return;
    }
    res.writeHead(200, [
      'content-type',
      'application/json; charset=utf-8',
      'etag',
      answer.etag,
      'cache-control',
      this.cacheControl,
      'content-length',
      String(Buffer.byteLength(answer.body)),
    ]);
    res.end(answer.body);
  }
}

/** channel (default prod) and region from the query, or undefined for anything unusual. */
function parseQuery(url: string, from: number): { channel: string; region: string } | undefined {
  let channel: string | undefined;
  let region: string | undefined;
  let at = from;
  while (at < url.length) {
    let amp = url.indexOf('&', at);
    if (amp < 0) amp = url.length;
    const eq = url.indexOf('=', at);
    if (eq < 0 || eq > amp) return undefined;
    const name = url.slice(at, eq);
    const value = url.slice(eq + 1, amp);
    if (name === 'channel' && channel === undefined && CHANNEL.test(value)) channel = value;
    else if (name === 'region' && region === undefined && REGION.test(value)) region = value;
    else return undefined;
    at = amp + 1;
  }
  return region === undefined ? undefined : { channel: channel ?? 'prod', region };
}

/**
 * Puts the fast path in front of Fastify's request handler on the app's HTTP server. Fastify
 * attaches its handler when the server is created, so this runs before listen.
 */
export function installResolveFastPath(server: Server, fastPath: ResolveFastPath): void {
  const handlers = server.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  if (handlers.length !== 1)
    throw new Error('expected one request handler (Fastify) on the server');
  const [fastify] = handlers;
  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!fastPath.serve(req, res)) fastify(req, res);
  });
}
