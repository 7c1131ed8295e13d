import { classifyAwsError } from '@ami/aws';

/** What to do after CopyImage failed. */
export type CopyErrorDecision =
  /** EC2 asked us to slow down: wait for the bucket, spending no attempt. */
  | { kind: 'throttled'; code: string }
  /** The name is taken: the copy exists already (a lost answer, a crash): adopt it. */
  | { kind: 'adopt'; code: string }
  /** AWS failed or the answer was lost: try again with backoff, spending an attempt. */
  | { kind: 'retry'; code: string; reason: string }
  /** Retrying cannot fix it (bad region, unusable KMS key, no permission): fail the job. */
  | { kind: 'fail'; code: string; reason: string };

function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

export function decideOnCopyError(error: unknown): CopyErrorDecision {
  const failure = classifyAwsError(error);
  const reason = `${failure.code}: ${reasonOf(error)}`;
  if (failure.kind === 'throttled') return { kind: 'throttled', code: failure.code };
  if (failure.kind === 'duplicate') return { kind: 'adopt', code: failure.code };
  // EC2's concurrent-copy limit: the region is full (another client's copies); wait like a throttle.
  if (failure.code === 'ResourceLimitExceeded') return { kind: 'throttled', code: failure.code };
  if (failure.retryable) return { kind: 'retry', code: failure.code, reason };
  return { kind: 'fail', code: failure.code, reason };
}

/**
 * Whether a copy that EC2 reports failed is worth replacing. `Client.*` state reasons (an
 * unusable KMS key, a source without access) fail the same way every time, so they fail the
 * job at once: no retry storm. Others (`Server.*`, none) are retried while attempts last.
 */
export function shouldReplaceFailedCopy(
  stateReasonCode: string | undefined,
  attempt: number,
  maxAttempts: number,
): boolean {
  if (stateReasonCode?.startsWith('Client.')) return false;
  return attempt < maxAttempts;
}
