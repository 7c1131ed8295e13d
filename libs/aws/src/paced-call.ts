import type { Logger } from 'pino';
import { classifyAwsError, Ec2Error } from './aws-errors.js';
import { backoffDelay, type RetryPolicy } from './backoff.js';
import type { Clock } from './clock.js';
import type { AttemptOutcome, Ec2Metrics } from './ec2-metrics.js';
import type { Ec2Pacing, PacingScope } from './ec2-pacing.js';

export interface PacedCallDeps {
  pacing: Ec2Pacing;
  metrics: Ec2Metrics;
  retry: RetryPolicy;
  clock: Clock;
  random: () => number;
  logger?: Logger;
}

/**
 * The path of every AWS call: take a token from the account x region x action bucket, send,
 * and on a transient failure wait (full-jitter backoff) and go round again, each attempt
 * taking its own token. A throttled answer also empties and pauses the bucket, so the calls
 * sharing it slow down with the one that was refused. Gives up with an Ec2Error.
 */
export async function pacedCall<T>(
  deps: PacedCallDeps,
  scope: PacingScope & { input?: object },
  send: () => Promise<T>,
): Promise<T> {
  const { pacing, metrics, retry, clock } = deps;
  const { region, account, action } = scope;
  const bucket = pacing.bucket(scope, scope.input);
  for (let attempt = 1; ; attempt++) {
    const asked = clock.now();
    await bucket.take();
    const started = clock.now();
    metrics.waited(action, region, (started - asked) / 1000);
    try {
      const result = await send();
      metrics.attempt(action, region, 'ok', (clock.now() - started) / 1000);
      return result;
    } catch (error) {
      const seconds = (clock.now() - started) / 1000;
      const failure = classifyAwsError(error);
      const givingUp = !failure.retryable || attempt >= retry.maxAttempts;
      metrics.attempt(action, region, outcomeOf(givingUp, failure.kind === 'throttled'), seconds);
      if (failure.kind === 'throttled') bucket.throttled(retry.baseDelayMs);
      if (givingUp) {
        throw new Ec2Error({
          ...failure,
          action,
          region,
          account,
          attempts: attempt,
          cause: error,
        });
      }
      const delayMs = backoffDelay(attempt, retry, deps.random);
      deps.logger?.debug(
        { action, region, account, attempt, code: failure.code, delayMs: Math.round(delayMs) },
        'AWS call will be retried',
      );
      await clock.sleep(delayMs);
    }
  }
}

function outcomeOf(givingUp: boolean, throttled: boolean): AttemptOutcome {
  if (givingUp) return 'error';
  return throttled ? 'throttled' : 'retried';
}
