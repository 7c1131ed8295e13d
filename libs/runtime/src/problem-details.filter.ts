import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, throwError } from 'rxjs';
import { EventContext } from '@ami/messaging';
import { AppError, GRPC_STATUS, HTTP_STATUS } from './app-error.js';

/**
 * The one exception filter of every service. HTTP: RFC 9457 problem+json with a title, the
 * status, a detail that says what was wrong, and for validation failures each problem with its
 * path. gRPC: the matching status code with the message. Kafka: the original error, untouched,
 * so the event transport can retry or dead-letter it with its real reason.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() === 'rpc') return rpcError(exception, host);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, detail, errors, headers } = describe(exception);
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    reply
      .status(status)
      .header('content-type', 'application/problem+json')
      .send({
        type: 'about:blank',
        title: HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'error',
        status,
        detail,
        instance: request.url,
        ...(errors.length ? { errors } : {}),
      });
  }
}

function describe(exception: unknown): {
  status: number;
  detail: string;
  errors: unknown[];
  headers: Record<string, string>;
} {
  if (exception instanceof AppError) {
    return {
      status: HTTP_STATUS[exception.kind],
      detail: exception.message,
      errors: exception.problems,
      headers: {},
    };
  }
  if (exception instanceof HttpException) {
    const body = exception.getResponse();
    const message = typeof body === 'string' ? body : ((body as any).message ?? exception.message);
    const headers: Record<string, string> =
      exception.getStatus() === 401 ? { 'www-authenticate': 'Bearer' } : {};
    return {
      status: exception.getStatus(),
      detail: Array.isArray(message) ? message.join('; ') : String(message),
      errors:
        typeof body === 'object' && Array.isArray((body as any).errors) ? (body as any).errors : [],
      headers,
    };
  }
  // Fastify's own errors (bad JSON body, body too large) carry a statusCode.
  const statusCode = (exception as { statusCode?: number })?.statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, detail: (exception as Error).message, errors: [], headers: {} };
  }
  return { status: 500, detail: 'internal error', errors: [], headers: {} };
}

function rpcError(exception: unknown, host: ArgumentsHost): Observable<never> {
  if (host.getArgByIndex(1) instanceof EventContext) return throwError(() => exception);
  if (exception instanceof AppError) {
    const problems = exception.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    return throwError(() => ({
      code: GRPC_STATUS[exception.kind],
      message: problems ? `${exception.message}: ${problems}` : exception.message,
    }));
  }
  if (exception instanceof RpcException) return throwError(() => exception.getError());
  return throwError(() => ({ code: 13, message: 'internal error' }));
}
