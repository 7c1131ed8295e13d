/** What went wrong with an AWS call, in terms a caller can act on. */
export type AwsErrorKind =
  | 'throttled' // slow down and retry
  | 'server' // AWS failed; retry
  | 'network' // the request or answer was lost; retry
  | 'not-found' // the image, instance, snapshot or parameter does not exist (or no longer)
  | 'duplicate' // e.g. an AMI name already used in the account and region
  | 'unauthorized' // credentials or permissions
  | 'client' // the request is wrong; retrying will not help
  | 'unknown';

export interface AwsErrorClass {
  kind: AwsErrorKind;
  retryable: boolean;
  /** The AWS error code, a Node error code, or the error's name. */
  code: string;
}

const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'BandwidthLimitExceeded',
]);
const NOT_FOUND_CODES = new Set([
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Unavailable',
  'InvalidInstanceID.NotFound',
  'InvalidSnapshot.NotFound',
  'ParameterNotFound',
]);
const UNAUTHORIZED_CODES = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
]);
const SERVER_CODES = new Set([
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'Unavailable',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function codeOf(error: ErrorShape): string {
  for (const candidate of [error.Code, error.code, error.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error')
      return candidate;
  }
  return 'Unknown';
}

function classify(kind: AwsErrorKind, code: string): AwsErrorClass {
  const retryable = kind === 'throttled' || kind === 'server' || kind === 'network';
  return { kind, retryable, code };
}

/** Sorts any error thrown by an SDK call (or by the network under it) into an AwsErrorKind. */
export function classifyAwsError(error: unknown): AwsErrorClass {
  if (error instanceof Ec2Error)
    return { kind: error.kind, retryable: error.retryable, code: error.code };
  if (typeof error !== 'object' || error === null) return classify('unknown', String(error));
  const shape = error as ErrorShape;
  const code = codeOf(shape);
  const status = shape.$metadata?.httpStatusCode;
  if (THROTTLING_CODES.has(code) || status === 429) return classify('throttled', code);
  if (NOT_FOUND_CODES.has(code) || code.endsWith('.NotFound')) return classify('not-found', code);
  if (code.endsWith('.Duplicate')) return classify('duplicate', code);
  if (UNAUTHORIZED_CODES.has(code)) return classify('unauthorized', code);
  // EC2 sheds load with 503 whatever the code: treat it as a request to slow down
  if (status === 503) return classify('throttled', code);
  if (SERVER_CODES.has(code) || (status !== undefined && status >= 500))
    return classify('server', code);
  if (
    NETWORK_CODES.has(code) ||
    /socket hang up|ECONNRESET|EPIPE/i.test(String(shape.message ?? ''))
  )
    return classify('network', code);
  if (status !== undefined && status >= 400) return classify('client', code);
  // an error without an HTTP answer may wrap a network failure
  if (shape.cause !== undefined && shape.cause !== error) {
    const inner = classifyAwsError(shape.cause);
    if (inner.kind === 'network') return inner;
  }
  return classify(status === undefined && code === 'Unknown' ? 'unknown' : 'client', code);
}

export interface Ec2ErrorDetails extends AwsErrorClass {
  action: string;
  region: string;
  account: string;
  /** How many times the call was sent before giving up. */
  attempts: number;
  cause: unknown;
}

/** An AWS call that failed for good (not retryable, or out of attempts). */
export class Ec2Error extends Error {
  readonly code: string;
  readonly kind: AwsErrorKind;
  /** Whether trying again later may succeed (the gateway has already spent its attempts). */
  readonly retryable: boolean;
  readonly action: string;
  readonly region: string;
  readonly account: string;
  readonly attempts: number;

  constructor(details: Ec2ErrorDetails) {
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause);
    super(
      `${details.action} in ${details.account}/${details.region} failed after ${details.attempts} attempt(s): ${details.code}: ${reason}`,
      {
        cause: details.cause,
      },
    );
    this.name = 'Ec2Error';
    this.code = details.code;
    this.kind = details.kind;
    this.retryable = details.retryable;
    this.action = details.action;
    this.region = details.region;
    this.account = details.account;
    this.attempts = details.attempts;
  }
}
