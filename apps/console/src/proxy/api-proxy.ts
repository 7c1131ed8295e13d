import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { CONSOLE_SERVICES, type ConsoleService, isConsoleService } from '../config/service-urls.js';
import { sendProblem } from './problem.js';

/** Request headers passed on to a service; the caller's Authorization is the only credential. */
const FORWARDED_REQUEST = ['authorization', 'content-type', 'accept', 'if-match', 'if-none-match'];
const FORWARDED_ANSWER = ['content-type', 'etag', 'www-authenticate', 'location', 'retry-after'];

export interface ApiProxyOptions {
  urls: Record<ConsoleService, string>;
  timeoutMs: number;
  logger: Logger;
}

/**
 * /api/<service>/<path> is <service>'s own /<path>, so the browser talks to one origin (no CORS).
 * The console adds no rights: it forwards the caller's bearer token, and the service decides.
 * Bodies pass through as bytes, answers (problem+json included) come back as the service sent them.
 */
export async function apiProxy(app: FastifyInstance, options: ApiProxyOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.all('/:service/*', (request, reply) => forward(request, reply, options));
  app.all('/:service', (request, reply) => forward(request, reply, options));
}

async function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  { urls, timeoutMs, logger }: ApiProxyOptions,
): Promise<FastifyReply> {
  const { service, '*': rest = '' } = request.params as { service: string; '*'?: string };
  if (!isConsoleService(service))
    return sendProblem(
      reply,
      request,
      404,
      'not found',
      `no service ${service}; the console proxies ${CONSOLE_SERVICES.join(', ')}`,
    );
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  const target = `${urls[service]}/${rest}${query}`;
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  let answer: Response;
  try {
    answer = await fetch(target, {
      method: request.method,
      headers,
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    logger.warn({ service, err: (error as Error).message }, 'service did not answer the proxy');
    return sendProblem(
      reply,
      request,
      502,
      'bad gateway',
      `${service} did not answer (${(error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : 'unreachable'})`,
    );
  }
  reply.status(answer.status).header('cache-control', 'no-store');
  for (const name of FORWARDED_ANSWER) {
    const value = answer.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  return reply.send(Buffer.from(await answer.arrayBuffer()));
}
