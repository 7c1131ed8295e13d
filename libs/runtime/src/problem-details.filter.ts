import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
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
  /** `logger` hears of every 500: the caller sees only "internal error". */
  constructor(private readonly logger?: Pick<Logger, 'error'>) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() === 'rpc') return rpcError(exception, host, this.logger);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, detail, errors, headers } = describe(exception);
    if (status === 500)
      this.logger?.error(
        { err: exception, url: maskQueryToken(request.url) },
        'request failed: internal error',
      );
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    sendProblem(reply, request, status, detail, errors);
  }
}

const QUERY_TOKEN = /([?&]access_token=)[^&#]*/gi;

/**
 * The URL as logged and echoed in `instance`: a token passed in the query (the console's audit
 * stream takes ?access_token=, since EventSource cannot set headers) is masked.
 */
export function maskQueryToken(url: string): string {
  return url.replace(QUERY_TOKEN, '$1[redacted]');
}

/** RFC 9457 problem+json: the one shape of every HTTP refusal. */
function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  detail: string,
  errors: unknown[] = [],
): void {
  reply
    .status(status)
    .header('content-type', 'application/problem+json')
    .send({
      type: 'about:blank',
      title: HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'error',
      status,
      detail,
      instance: maskQueryToken(request.url),
      ...(errors.length ? { errors } : {}),
    });
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any handler (a path parameter
 * over 100 characters: 414; a path that is not valid percent-encoding: 400) is answered as
 * problem+json like everything else, instead of Fastify's own JSON.
 */
export function routingProblem(
  error: Error & { statusCode?: number },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 400;
  const detail =
    status === 414
      ? 'a path parameter is longer than 100 characters'
      : 'the path is not valid percent-encoded UTF-8';
  sendProblem(reply, request, status, detail);
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
  const input = inputRejectedByDatabase(exception) ?? refusedByAws(exception);
  if (input) return { status: input.status, detail: input.detail, errors: [], headers: {} };
  // Fastify's own errors (bad JSON body, body too large) carry a statusCode.
  const statusCode = (exception as { statusCode?: number })?.statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, detail: (exception as Error).message, errors: [], headers: {} };
  }
  return { status: 500, detail: 'internal error', errors: [], headers: {} };
}

function rpcError(
  exception: unknown,
  host: ArgumentsHost,
  logger?: Pick<Logger, 'error'>,
): Observable<never> {
  if (host.getArgByIndex(1) instanceof EventContext) return throwError(() => exception);
  if (exception instanceof AppError) {
    const problems = exception.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    return throwError(() => ({
      code: GRPC_STATUS[exception.kind],
      message: problems ? `${exception.message}: ${problems}` : exception.message,
    }));
  }
  if (exception instanceof RpcException) return throwError(() => exception.getError());
  const input = inputRejectedByDatabase(exception);
  if (input)
    return throwError(() => ({ code: input.status === 409 ? 6 : 3, message: input.detail }));
  logger?.error({ err: exception }, 'gRPC call failed: internal error');
  return throwError(() => ({ code: 13, message: 'internal error' }));
}

/**
 * PostgreSQL refusing a value the caller sent (SQLSTATE class 22, data exceptions such as a
 * malformed uuid or timestamp, or 23, integrity violations) is the caller's error: 400 or 409,
 * never a 500. The edge validation should have caught it; this is the net under it.
 */
export function inputRejectedByDatabase(
  exception: unknown,
): { status: 400 | 409; detail: string } | undefined {
  const error = exception as { code?: unknown; driverError?: { code?: unknown }; message?: string };
  const code = typeof error?.code === 'string' ? error.code : error?.driverError?.code;
  if (typeof code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(code)) return undefined;
  const conflict = code === '23505' || code === '23P01';
  return {
    status: conflict ? 409 : 400,
    detail: conflict
      ? 'the request conflicts with data that already exists'
      : `the database cannot store a value in the request (SQLSTATE ${code})`,
  };
}

const GRPC_FOR: Record<number, number> = { 400: 3, 404: 5, 409: 6, 503: 14 };

/**
 * An EC2 call that failed for good (@ami/aws's Ec2Error, matched by shape so runtime does not
 * depend on aws): EC2 refusing the caller's parameters is a 400, a missing image a 404, and
 * throttling or an AWS outage a 503 the caller may retry; none of them is our 500.
 */
export function refusedByAws(
  exception: unknown,
): { status: 400 | 404 | 503; detail: string } | undefined {
  const error = exception as { name?: string; kind?: string; code?: string; message?: string };
  if (error?.name !== 'Ec2Error') return undefined;
  const status =
    error.kind === 'client'
      ? 400
      : error.kind === 'not-found'
        ? 404
        : ['throttled', 'server', 'network'].includes(error.kind ?? '')
          ? 503
          : undefined;
  if (status === undefined) return undefined;
  return { status, detail: `EC2 answered ${error.code}: ${error.message ?? ''}` };
}
