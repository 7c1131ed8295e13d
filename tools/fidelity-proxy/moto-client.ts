// Talks to moto_server: forwards client requests (buffered or streamed) and makes the
// proxy's own EC2 calls (name checks, existence checks, snapshot clean-up) and SSM calls
// (image references).
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { encodeForm, type Ec2Call, type Params, type Scope } from './ec2-request.js';
import type { Ec2Response } from './responses.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) result[name] = value;
  }
  return result;
}

export class MotoUnreachableError extends Error {
  constructor(motoUrl: string, cause: unknown) {
    super(
      `moto at ${motoUrl} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

export class MotoClient {
  private readonly base: URL;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    readonly motoUrl: string,
    /** Called once per EC2 call that reaches moto (a client's call, or the proxy's own) and per
     * SSM call of the proxy's own (as `ssm:<Operation>`). */
    private readonly onEc2Call: (
      scope: Scope,
      action: string,
      origin: 'client' | 'proxy',
    ) => void = () => undefined,
  ) {
    this.base = new URL(motoUrl);
  }

  /** Sends a buffered request to moto and buffers the answer. */
  async send(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer | string,
  ): Promise<Ec2Response> {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const outgoing = endToEndHeaders(headers);
    outgoing.host = this.base.host;
    outgoing['content-length'] = String(payload.length);
    return new Promise<Ec2Response>((resolve, reject) => {
      const request = http.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers: outgoing,
          agent: this.agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: endToEndHeaders(response.headers),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', (error) => reject(new MotoUnreachableError(this.motoUrl, error)));
        },
      );
      request.on('error', (error) => reject(new MotoUnreachableError(this.motoUrl, error)));
      request.end(payload);
    });
  }

  /** Forwards a client's EC2 call, body already read. */
  forwardEc2(
    call: Ec2Call,
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: string,
  ): Promise<Ec2Response> {
    this.onEc2Call(call, call.action, 'client');
    return this.send(method, path, headers, body);
  }

  /** The proxy's own EC2 call in the given account and region. */
  ec2(scope: Scope, action: string, params: Params): Promise<Ec2Response> {
    this.onEc2Call(scope, action, 'proxy');
    const body = encodeForm([['Action', action], ['Version', '2016-11-15'], ...params]);
    const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    return this.send(
      'POST',
      '/',
      {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        // moto reads the region from the credential scope and does not check signatures
        authorization: `AWS4-HMAC-SHA256 Credential=fidelity-proxy/${date}/${scope.region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
        'x-moto-account-id': scope.account,
      },
      body,
    );
  }

  /** The proxy's own SSM call (JSON API) in the given account and region; the answer parsed. */
  async ssm(
    scope: Scope,
    operation: string,
    input: object,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    this.onEc2Call(scope, `ssm:${operation}`, 'proxy');
    const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const response = await this.send(
      'POST',
      '/',
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AmazonSSM.${operation}`,
        authorization: `AWS4-HMAC-SHA256 Credential=fidelity-proxy/${date}/${scope.region}/ssm/aws4_request, SignedHeaders=host, Signature=0`,
        'x-moto-account-id': scope.account,
      },
      JSON.stringify(input),
    );
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(response.body || '{}') as Record<string, unknown>;
    } catch {
      body = { message: response.body.slice(0, 200) };
    }
    return { status: response.status, body };
  }

  /** Streams a request to moto and its answer back, untouched except for Host and hop-by-hop headers. */
  stream(req: IncomingMessage, res: ServerResponse, onDone: (status: number) => void): void {
    const outgoing = endToEndHeaders(req.headers);
    outgoing.host = this.base.host;
    const upstream = http.request(
      {
        protocol: this.base.protocol,
        hostname: this.base.hostname,
        port: this.base.port,
        method: req.method,
        path: req.url,
        headers: outgoing,
        agent: this.agent,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, endToEndHeaders(response.headers));
        response.pipe(res);
        response.on('end', () => onDone(response.statusCode ?? 502));
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(new MotoUnreachableError(this.motoUrl, error).message);
      } else {
        res.destroy();
      }
      onDone(502);
    });
    req.pipe(upstream);
  }

  async reset(): Promise<void> {
    const response = await this.send('POST', '/moto-api/reset', {}, '');
    if (response.status >= 300)
      throw new Error(
        `moto reset answered HTTP ${response.status}: ${response.body.slice(0, 200)}`,
      );
  }

  async reachable(): Promise<boolean> {
    try {
      const response = await this.send('GET', '/moto-api/config', {}, '');
      return response.status < 500;
    } catch {
      return false;
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
