// The fidelity proxy's HTTP server: /_fidelity/* is the control API, EC2 query-API calls
// go through latency, throttling, faults and the action handlers, and everything else
// (SSM's JSON API, /moto-api/*) streams to moto untouched.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTROL_PREFIX, handleControl } from './control-api.js';
import {
  accountOf,
  encodeForm,
  parseEc2Call,
  regionOf,
  signedService,
  type Params,
} from './ec2-request.js';
import type { Ec2Exchange, HandlerDeps, HandlerResult } from './ec2-exchange.js';
import { handlerFor } from './ec2-router.js';
import type { FaultRule, FaultTarget } from './faults.js';
import { MotoClient } from './moto-client.js';
import { NameUniqueness } from './name-uniqueness.js';
import { ec2Error, isSuccess, type Ec2Response } from './responses.js';
import { handleSsmCommand, SSM_OVERLAID } from './ssm-commands.js';
import { FidelityState, type FidelityStateOptions } from './state.js';
import type { BucketSpec } from './throttle.js';

export interface FidelityProxyOptions {
  /** Default http://127.0.0.1:5000. */
  motoUrl?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  throttle?: boolean;
  pendingMs?: number;
  visibilityMs?: number;
  buckets?: Record<string, BucketSpec>;
  now?: FidelityStateOptions['now'];
  random?: FidelityStateOptions['random'];
}

export interface FidelityProxy {
  /** Base URL to use as the SDK endpoint, e.g. http://127.0.0.1:4566. */
  url: string;
  state: FidelityState;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: Ec2Response): void {
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': Buffer.byteLength(response.body),
  });
  res.end(response.body);
}

/** EC2 answers throttling with HTTP 503 and this code. */
export function requestLimitExceeded(): Ec2Response {
  return ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
}

function ec2FaultResponse(rule: FaultRule): Ec2Response | undefined {
  if (rule.kind === 'internal-error')
    return ec2Error(500, 'InternalError', 'An internal error has occurred.');
  if (rule.kind === 'unavailable')
    return ec2Error(503, 'Unavailable', "The server is overloaded and can't handle the request.");
  if (rule.kind === 'throttled') return requestLimitExceeded();
  return undefined;
}

function jsonFaultResponse(rule: FaultRule): { status: number; body: string } | undefined {
  if (rule.kind === 'internal-error')
    return {
      status: 500,
      body: JSON.stringify({
        __type: 'InternalServerError',
        message: 'An internal error has occurred.',
      }),
    };
  if (rule.kind === 'unavailable')
    return {
      status: 503,
      body: JSON.stringify({ __type: 'ServiceUnavailable', message: 'Service unavailable.' }),
    };
  if (rule.kind === 'throttled')
    return {
      status: 400,
      body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
    };
  return undefined;
}

/** A throttled fault counts as throttling, like an empty bucket; the others as faults. */
function faultOutcome(rule: FaultRule): 'throttled' | 'fault' {
  return rule.kind === 'throttled' ? 'throttled' : 'fault';
}

/** Applies an error or drop fault to an EC2 call. */
function injectEc2Fault(req: IncomingMessage, res: ServerResponse, rule: FaultRule): void {
  const response = ec2FaultResponse(rule);
  if (response) send(res, response);
  else req.socket.destroy();
}

class ProxyHandler {
  private readonly deps: HandlerDeps;

  constructor(
    private readonly state: FidelityState,
    private readonly moto: MotoClient,
  ) {
    this.deps = { state, moto, names: new NameUniqueness(moto) };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').startsWith(CONTROL_PREFIX))
      return handleControl(req, res, this.state, this.moto);
    const service = signedService(req.headers);
    // unsigned form posts are taken for EC2 too; without an Action they pass through as-is
    const isEc2 =
      req.method === 'POST' &&
      (service === 'ec2' || (service === undefined && !(req.url ?? '/').startsWith('/moto-api')));
    return isEc2 ? this.handleEc2(req, res) : this.handleOther(req, res, service);
  }

  private async handleEc2(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const body = raw.toString('utf8');
    const call = parseEc2Call(req.headers, req.url ?? '/', body);
    if (!call) {
      send(res, await this.moto.send(req.method ?? 'POST', req.url ?? '/', req.headers, raw));
      return;
    }
    this.state.accounts.add(call.account);
    const target: FaultTarget = {
      service: 'ec2',
      action: call.action,
      account: call.account,
      region: call.region,
    };
    const latency = this.state.faults.latencyFor(target);
    if (latency > 0) await sleep(latency);

    if (this.state.throttleEnabled && !this.state.throttle.tryAcquire(call)) {
      this.state.counters.record(call, call.action, 'throttled');
      return send(res, requestLimitExceeded());
    }
    const before = this.state.faults.pick(target, 'before');
    if (before) {
      this.state.counters.record(call, call.action, faultOutcome(before));
      return injectEc2Fault(req, res, before);
    }

    const exchange: Ec2Exchange = {
      call,
      forward: (params?: Params) =>
        params
          ? this.moto.forwardEc2(
              call,
              'POST',
              '/',
              {
                ...req.headers,
                'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
              },
              encodeForm(params),
            )
          : this.moto.forwardEc2(call, req.method ?? 'POST', req.url ?? '/', req.headers, body),
    };
    let response: HandlerResult;
    try {
      response = await handlerFor(call.action)(exchange, this.deps);
    } catch (error) {
      response = ec2Error(
        502,
        'InternalError',
        `fidelity proxy: ${error instanceof Error ? error.message : String(error)}`,
      );
    }

    const after = this.state.faults.pick(target, 'after');
    if (after) {
      this.state.counters.record(call, call.action, 'fault');
      return injectEc2Fault(req, res, after);
    }
    if (response.replayed) this.state.counters.replayed(call, call.action);
    this.state.counters.record(call, call.action, isSuccess(response) ? 'ok' : 'error');
    const { replayed: _replayed, ...plain } = response;
    send(res, plain);
  }

  private injectJsonFault(
    req: IncomingMessage,
    res: ServerResponse,
    scope: { account: string; region: string },
    counterName: string,
    rule: FaultRule,
  ): void {
    this.state.counters.record(scope, counterName, faultOutcome(rule));
    const response = jsonFaultResponse(rule);
    if (!response) {
      req.socket.destroy();
      return;
    }
    res.writeHead(response.status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(response.body),
    });
    res.end(response.body);
  }

  /** SSM and other JSON APIs, moto's own API: streamed through, with faults (before and after) and counts. */
  private async handleOther(
    req: IncomingMessage,
    res: ServerResponse,
    service: string | undefined,
  ): Promise<void> {
    const targetHeader = req.headers['x-amz-target'];
    const operation = typeof targetHeader === 'string' ? targetHeader.split('.').pop() : undefined;
    if (!service || !operation) {
      this.moto.stream(req, res, () => undefined);
      return;
    }
    const scope = { account: accountOf(req.headers), region: regionOf(req.headers) };
    const target: FaultTarget = { service, action: operation, ...scope };
    const counterName = `${service}:${operation}`;
    const latency = this.state.faults.latencyFor(target);
    if (latency > 0) await sleep(latency);
    const fault = this.state.faults.pick(target, 'before');
    if (fault) return this.injectJsonFault(req, res, scope, counterName, fault);
    if (service === 'ssm' && SSM_OVERLAID.has(operation))
      return handleSsmCommand({ req, res, operation, scope, counterName }, this.state, this.moto);
    const after = this.state.faults.pick(target, 'after');
    if (after) {
      // The call takes effect in moto; its answer is lost (or replaced by an error).
      this.state.counters.upstream(scope, counterName);
      await this.moto.send(req.method ?? 'POST', req.url ?? '/', req.headers, await readBody(req));
      return this.injectJsonFault(req, res, scope, counterName, after);
    }
    this.state.counters.upstream(scope, counterName);
    this.moto.stream(req, res, (status) =>
      this.state.counters.record(scope, counterName, status < 400 ? 'ok' : 'error'),
    );
  }
}

/** Starts the proxy; with port 0 (the default) it listens on an ephemeral port. */
export async function startFidelityProxy(
  options: FidelityProxyOptions = {},
): Promise<FidelityProxy> {
  const state = new FidelityState(options);
  const moto = new MotoClient(
    options.motoUrl ?? 'http://127.0.0.1:5000',
    (scope, action, origin) =>
      origin === 'client'
        ? state.counters.upstream(scope, action)
        : state.counters.internal(scope, action),
  );
  const handler = new ProxyHandler(state, moto);
  const server = http.createServer((req, res) => {
    handler.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fidelity proxy: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        res.destroy();
      }
    });
  });
  // the SDK keeps connections alive; moto may take a while on big DescribeImages answers
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        moto.close();
      }),
  };
}
