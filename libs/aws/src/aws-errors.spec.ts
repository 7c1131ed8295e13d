import { classifyAwsError, Ec2Error } from './aws-errors.js';

/** An error shaped like the SDK's service exceptions. */
function awsError(code: string, status: number, message = 'boom') {
  return Object.assign(new Error(message), {
    name: code,
    Code: code,
    $metadata: { httpStatusCode: status },
  });
}

function nodeError(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

describe('classifyAwsError', () => {
  it.each([
    ['RequestLimitExceeded', 503, 'throttled', true],
    ['Throttling', 400, 'throttled', true],
    ['ThrottlingException', 400, 'throttled', true],
    ['TooManyRequestsException', 429, 'throttled', true],
    ['ServiceUnavailable', 503, 'throttled', true],
    ['InternalError', 500, 'server', true],
    ['Unavailable', 502, 'server', true],
    ['BadGateway', 504, 'server', true],
    ['InvalidAMIID.NotFound', 400, 'not-found', false],
    ['InvalidAMIID.Unavailable', 400, 'not-found', false],
    ['InvalidInstanceID.NotFound', 400, 'not-found', false],
    ['InvalidSnapshot.NotFound', 400, 'not-found', false],
    ['ParameterNotFound', 400, 'not-found', false],
    ['InvalidAMIName.Duplicate', 400, 'duplicate', false],
    ['UnauthorizedOperation', 403, 'unauthorized', false],
    ['AuthFailure', 401, 'unauthorized', false],
    ['InvalidParameterValue', 400, 'client', false],
    ['IdempotentParameterMismatch', 400, 'client', false],
  ])('%s (HTTP %i) is %s, retryable: %s', (code, status, kind, retryable) => {
    expect(classifyAwsError(awsError(code, status))).toEqual({ kind, retryable, code });
  });

  it.each([
    [nodeError('ECONNRESET', 'read ECONNRESET'), 'ECONNRESET'],
    [nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4566'), 'ECONNREFUSED'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    [
      Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }),
      'TimeoutError',
    ],
    [new Error('socket hang up'), 'Unknown'],
  ])('a lost connection (%s) is a retryable network error', (error, code) => {
    expect(classifyAwsError(error)).toEqual({ kind: 'network', retryable: true, code });
  });

  it('looks through a wrapper to a network cause', () => {
    const wrapped = new Error('request failed', { cause: nodeError('EPIPE', 'write EPIPE') });
    expect(classifyAwsError(wrapped)).toMatchObject({
      kind: 'network',
      retryable: true,
      code: 'EPIPE',
    });
  });

  it('does not retry programming errors or non-errors', () => {
    expect(classifyAwsError(new TypeError('x is undefined'))).toMatchObject({
      kind: 'client',
      retryable: false,
    });
    expect(classifyAwsError('nope')).toMatchObject({ kind: 'unknown', retryable: false });
  });

  it('keeps the classification of an Ec2Error it is given again', () => {
    const error = new Ec2Error({
      kind: 'throttled',
      retryable: true,
      code: 'RequestLimitExceeded',
      action: 'CopyImage',
      region: 'eu-west-1',
      account: '123456789012',
      attempts: 8,
      cause: awsError('RequestLimitExceeded', 503),
    });
    expect(classifyAwsError(error)).toEqual({
      kind: 'throttled',
      retryable: true,
      code: 'RequestLimitExceeded',
    });
    expect(error.message).toBe(
      'CopyImage in 123456789012/eu-west-1 failed after 8 attempt(s): RequestLimitExceeded: boom',
    );
  });
});
