import type { Counter, Histogram } from 'prom-client';
import type { MetricsService } from '@ami/observability';

/**
 * How each attempt at an AWS call ended: ok; throttled (refused for rate, will be retried);
 * retried (another transient failure, will be retried); error (the call gives up here).
 * So calls = ok + error, and attempts = the sum of all four.
 */
export type AttemptOutcome = 'ok' | 'throttled' | 'retried' | 'error';

export class Ec2Metrics {
  private readonly calls: Counter<string>;
  private readonly latency: Histogram<string>;
  private readonly pacingWait: Histogram<string>;

  constructor(metrics: MetricsService) {
    this.calls = metrics.counter(
      'ami_ec2_calls_total',
      'AWS API call attempts by action, region and outcome',
      ['action', 'region', 'outcome'],
    );
    this.latency = metrics.histogram(
      'ami_ec2_call_duration_seconds',
      'Time AWS took to answer one attempt, by action and region',
      ['action', 'region'],
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.pacingWait = metrics.histogram(
      'ami_ec2_pacing_wait_seconds',
      'Time an attempt waited for a token of its rate-limit bucket, by action and region',
      ['action', 'region'],
      [0, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    );
  }

  attempt(action: string, region: string, outcome: AttemptOutcome, seconds: number): void {
    this.calls.inc({ action, region, outcome });
    this.latency.observe({ action, region }, seconds);
  }

  waited(action: string, region: string, seconds: number): void {
    this.pacingWait.observe({ action, region }, seconds);
  }
}
