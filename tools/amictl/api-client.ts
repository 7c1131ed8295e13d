import type { Role } from '@ami/auth';
import { Credentials } from './credentials.js';
import { serviceUrl, type Service } from './endpoints.js';
import { CliError, EXIT, exitCodeOfStatus } from './errors.js';

type Env = Record<string, string | undefined>;
type Query = Record<string, string | number | boolean | undefined>;

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  /** the role the API asks for; reads need only reader */
  role?: Role;
  /** JSON, or a string sent as it is with `contentType` */
  body?: unknown;
  contentType?: string;
}

const SERVICE_LABEL: Record<Service, string> = {
  catalog: 'the catalog',
  builder: 'the builder',
  replicator: 'the replicator',
  permissions: 'the permissions service',
  'maintenance-scanner': 'the maintenance scanner',
};

/** HTTP calls to the services' APIs: one bearer token per role, problem+json made readable. */
export class ApiClient {
  readonly credentials: Credentials;

  constructor(
    readonly env: Env = process.env,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.credentials = new Credentials(env);
  }

  url(service: Service): string {
    return serviceUrl(service, this.env);
  }

  async call<T = any>(service: Service, request: ApiRequest): Promise<T> {
    const base = this.url(service);
    const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.credentials.token(request.role ?? 'reader')}`,
      accept: 'application/json',
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      const raw = typeof request.body === 'string' && request.contentType;
      headers['content-type'] = request.contentType ?? 'application/json';
      body = raw ? (request.body as string) : JSON.stringify(request.body);
    }
    const target = `${base}${request.path}${queryString(request.query)}`;
    const res = await this.fetchImpl(target, { method, headers, body }).catch((error: Error) => {
      const cause = (error.cause as Error | undefined)?.message ?? error.message;
      throw new CliError(
        `cannot reach ${SERVICE_LABEL[service]} at ${base} (${cause}); is it running? (npm run stack -- status)`,
        EXIT.unreachable,
      );
    });
    const text = await res.text();
    const answer = parseJson(text);
    if (!res.ok)
      throw new CliError(
        problemMessage(service, method, request.path, res.status, answer, text, request.role),
        exitCodeOfStatus(res.status),
        res.status,
      );
    return answer as T;
  }

  /** A service's readiness report, without credentials (health is public). */
  async health(service: Service): Promise<{ status: number; report: any }> {
    const res = await this.fetchImpl(`${this.url(service)}/health/ready`);
    return { status: res.status, report: parseJson(await res.text()) };
  }
}

function queryString(query: Query | undefined): string {
  const entries = Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== '');
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function problemMessage(
  service: Service,
  method: string,
  path: string,
  status: number,
  answer: any,
  text: string,
  role: Role = 'reader',
): string {
  const detail =
    typeof answer === 'object' && answer !== null
      ? (answer.detail ?? answer.title ?? JSON.stringify(answer))
      : text.slice(0, 500) || `HTTP ${status}`;
  const lines = [`${SERVICE_LABEL[service]} answered ${status} to ${method} ${path}: ${detail}`];
  for (const e of Array.isArray(answer?.errors) ? answer.errors : [])
    lines.push(`  ${e.path || '(body)'}: ${e.message}`);
  if (status === 401)
    lines.push(
      "  the token was refused: check AMI_TOKEN, or that AUTH_JWT_SECRET is the services' secret",
    );
  if (status === 403) lines.push(`  this command needs the ${role} role`);
  return lines.join('\n');
}
