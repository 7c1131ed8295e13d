import type {
  DescribeImagesCommandInput,
  DescribeInstancesCommandInput,
  DescribeSnapshotsCommandInput,
  EC2Client,
  Image,
  Instance,
  Snapshot,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';
import type { MetricsService } from '@ami/observability';
import {
  actionName,
  operationOf,
  withClientToken,
  type AwsCommand,
  type OutputOf,
} from './aws-command.js';
import { AwsClients } from './aws-clients.js';
import type { AwsConfig } from './aws-config.js';
import { systemClock, type Clock } from './clock.js';
import * as describe from './describe-pages.js';
import { Ec2Metrics } from './ec2-metrics.js';
import { Ec2Pacing } from './ec2-pacing.js';
import { pacedCall, type PacedCallDeps } from './paced-call.js';
import { RateLimits } from './rate-limits.js';

export interface Ec2GatewayDeps {
  config: AwsConfig;
  metrics: MetricsService;
  logger?: Logger;
  /** Time for pacing and backoff; the system clock unless a test passes its own. */
  clock?: Clock;
  /** Source of backoff jitter in [0, 1). */
  random?: () => number;
}

export interface CallContext {
  region: string;
  /** The account the call acts in; the configured AWS_ACCOUNT_ID when absent. */
  account?: string;
  /** The API action, e.g. "DescribeImages" or "ssm:GetParameter"; names the rate-limit bucket. */
  action: string;
  /** The request, when its shape decides the bucket (unfiltered DescribeInstances). */
  input?: object;
}

export interface SendOptions {
  account?: string;
  /**
   * Attempts for this call (default EC2_RETRY_MAX_ATTEMPTS). 1 for a write without a
   * ClientToken whose caller looks before it sends again (PutParameter).
   */
  attempts?: number;
}

/**
 * The one way out to EC2 (and SSM): SDK clients per account x region, and every call paced by
 * a token bucket per account x region x action, retried on throttling and transient failures
 * with full-jitter backoff, classified when it fails for good, and counted in /metrics.
 */
export class Ec2Gateway {
  readonly defaultAccount: string;
  private readonly clients: AwsClients;
  private readonly calls: PacedCallDeps;

  constructor(deps: Ec2GatewayDeps) {
    const { config } = deps;
    const clock = deps.clock ?? systemClock;
    this.defaultAccount = config.AWS_ACCOUNT_ID;
    this.clients = new AwsClients({
      endpoint: config.AWS_ENDPOINT_URL,
      defaultAccount: config.AWS_ACCOUNT_ID,
      stsRegion: config.AWS_REGION,
    });
    this.calls = {
      pacing: new Ec2Pacing(
        new RateLimits(config.EC2_RATE_LIMITS, config.EC2_RATE_SCALE),
        clock,
        config.EC2_PACING_MARGIN_MS,
      ),
      metrics: new Ec2Metrics(deps.metrics),
      retry: {
        maxAttempts: config.EC2_RETRY_MAX_ATTEMPTS,
        baseDelayMs: config.EC2_RETRY_BASE_MS,
        maxDelayMs: config.EC2_RETRY_MAX_MS,
      },
      clock,
      random: deps.random ?? Math.random,
      logger: deps.logger?.child({ component: 'ec2-gateway' }),
    };
  }

  /**
   * Calls in `account` (another account than the platform's) act as the role `roleName`
   * there, assumed with STS (arn:aws:iam::<account>:role/<roleName>).
   */
  useRole(account: string, roleName: string): void {
    if (account === this.defaultAccount) return;
    this.clients.useRole(account, `arn:aws:iam::${account}:role/${roleName}`);
  }

  /** The raw EC2 client for an account x region; calls made on it directly bypass pacing. */
  ec2(region: string, account = this.defaultAccount): EC2Client {
    return this.clients.ec2(region, account);
  }

  ssm(region: string, account = this.defaultAccount): SSMClient {
    return this.clients.ssm(region, account);
  }

  /**
   * Sends an EC2 or SSM command through pacing and retries; the action comes from the command.
   * A command that takes a ClientToken gets one for all its attempts, so retries are idempotent.
   */
  send<C extends AwsCommand>(
    region: string,
    given: C,
    options: SendOptions = {},
  ): Promise<OutputOf<C>> {
    const command = withClientToken(given);
    const { service, operation } = operationOf(command);
    const account = options.account ?? this.defaultAccount;
    const client = service === 'ssm' ? this.ssm(region, account) : this.ec2(region, account);
    const context = {
      region,
      account,
      action: actionName(service, operation),
      input: command.input,
    };
    const deps =
      options.attempts === undefined
        ? this.calls
        : { ...this.calls, retry: { ...this.calls.retry, maxAttempts: options.attempts } };
    return pacedCall(deps, context, () =>
      (client as unknown as { send(c: C): Promise<OutputOf<C>> }).send(command),
    );
  }

  /**
   * Runs `fn` with the account x region's EC2 client, paced and retried as `ctx.action`. `fn`
   * runs again on each attempt: give an idempotent command its own ClientToken (send does).
   */
  call<T>(ctx: CallContext, fn: (client: EC2Client) => Promise<T>): Promise<T> {
    const account = ctx.account ?? this.defaultAccount;
    const client = this.ec2(ctx.region, account);
    return pacedCall(this.calls, { ...ctx, account }, () => fn(client));
  }

  /** A public or own SSM parameter's value, e.g. /aws/service/ami-amazon-linux-latest/... */
  async getParameter(region: string, name: string, options: SendOptions = {}): Promise<string> {
    const { Parameter } = await this.send(region, new GetParameterCommand({ Name: name }), options);
    if (Parameter?.Value === undefined)
      throw new Error(`SSM parameter ${name} in ${region} has no value`);
    return Parameter.Value;
  }

  // Paginated reads: MaxResults 1000 + NextToken, or ids in chunks; never one call per item.
  eachImage(
    region: string,
    input?: DescribeImagesCommandInput,
    options?: SendOptions,
  ): AsyncGenerator<Image> {
    return describe.eachImage(this, region, input, options);
  }
  describeAllImages(
    region: string,
    input?: DescribeImagesCommandInput,
    options?: SendOptions,
  ): Promise<Image[]> {
    return describe.collect(this.eachImage(region, input, options));
  }
  /** The images among `ids` that exist (unknown ids are left out, not an error). */
  describeImagesByIds(region: string, ids: string[], options?: SendOptions): Promise<Image[]> {
    return describe.describeImagesByIds(this, region, ids, options);
  }
  /** Instances, flattened from their reservations. */
  eachInstance(
    region: string,
    input?: DescribeInstancesCommandInput,
    options?: SendOptions,
  ): AsyncGenerator<Instance> {
    return describe.eachInstance(this, region, input, options);
  }
  describeAllInstances(
    region: string,
    input?: DescribeInstancesCommandInput,
    options?: SendOptions,
  ): Promise<Instance[]> {
    return describe.collect(this.eachInstance(region, input, options));
  }
  eachSnapshot(
    region: string,
    input?: DescribeSnapshotsCommandInput,
    options?: SendOptions,
  ): AsyncGenerator<Snapshot> {
    return describe.eachSnapshot(this, region, input, options);
  }
  describeAllSnapshots(
    region: string,
    input?: DescribeSnapshotsCommandInput,
    options?: SendOptions,
  ): Promise<Snapshot[]> {
    return describe.collect(this.eachSnapshot(region, input, options));
  }

  /** Closes every SDK client (their sockets). */
  destroy(): void {
    this.clients.destroy();
  }
}
