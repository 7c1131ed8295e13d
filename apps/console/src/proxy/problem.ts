import type { FastifyReply, FastifyRequest } from 'fastify';

/** RFC 9457 problem+json for the routes the console serves outside Nest (proxy, files). */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  title: string,
  detail: string,
): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'application/problem+json')
    .send({ type: 'about:blank', title, status, detail, instance: request.url.split('?')[0] });
}
