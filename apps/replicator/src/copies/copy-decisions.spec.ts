import { Ec2Error } from '@ami/aws';
import { decideOnCopyError, shouldReplaceFailedCopy } from './copy-decisions.js';

const awsError = (code: string, status: number, message = 'm') =>
  Object.assign(new Error(message), {
    name: code,
    Code: code,
    $metadata: { httpStatusCode: status },
  });

describe('decideOnCopyError', () => {
  it('waits on throttling and on the concurrent-copy limit without failing', () => {
    expect(decideOnCopyError(awsError('RequestLimitExceeded', 503)).kind).toBe('throttled');
    expect(decideOnCopyError(awsError('ResourceLimitExceeded', 400)).kind).toBe('throttled');
  });

  it('adopts the copy when its name is already taken', () => {
    expect(decideOnCopyError(awsError('InvalidAMIName.Duplicate', 400)).kind).toBe('adopt');
  });

  it('retries server failures and fails client errors with AWS reason', () => {
    expect(decideOnCopyError(awsError('InternalError', 500)).kind).toBe('retry');
    const kms = new Ec2Error({
      kind: 'client',
      retryable: false,
      code: 'InvalidParameterValue',
      action: 'CopyImage',
      region: 'eu-west-1',
      account: '123456789012',
      attempts: 1,
      cause: new Error('The KMS key k does not exist'),
    });
    expect(decideOnCopyError(kms)).toEqual({
      kind: 'fail',
      code: 'InvalidParameterValue',
      reason: 'InvalidParameterValue: The KMS key k does not exist',
    });
  });
});

describe('shouldReplaceFailedCopy', () => {
  it('never replaces a copy that failed for a client reason', () => {
    expect(shouldReplaceFailedCopy('Client.InvalidKMSKey.InvalidState', 1, 5)).toBe(false);
  });

  it('replaces other failures while attempts last', () => {
    expect(shouldReplaceFailedCopy('Server.InternalError', 1, 3)).toBe(true);
    expect(shouldReplaceFailedCopy(undefined, 3, 3)).toBe(false);
  });
});
