import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../proxy/problem.js';
import type { StaticFile } from './console-files.js';

/** The page, its modules and its styles; open like health (the page asks for a token itself). */
export function serveConsoleFiles(app: FastifyInstance, files: Map<string, StaticFile>): void {
  const serve = (path: string) => files.get(path);
  app.get('/', (_request, reply) => send(reply, serve('/')!));
  for (const prefix of ['/ui/*', '/vendor/*'])
    app.get(prefix, (request, reply) => {
      const file = serve(request.url.split('?')[0]!);
      if (!file) return sendProblem(reply, request, 404, 'not found', 'no such console file');
      return send(reply, file);
    });
}

function send(reply: import('fastify').FastifyReply, file: StaticFile) {
  return reply
    .header('content-type', file.type)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    )
    .send(file.body);
}
