/**
 * @ami/aws: the EC2 gateway. SDK clients per account x region (local mode: the fidelity proxy
 * in front of moto), and one path for every EC2/SSM call: pacing by token buckets per
 * account x region x action, retries with full-jitter backoff on throttling and transient
 * failures, error classification (Ec2Error, classifyAwsError), Prometheus metrics, and
 * paginated describe helpers that never fetch images one by one.
 */
export { AwsModule } from './aws.module.js';
export {
  Ec2Gateway,
  type CallContext,
  type Ec2GatewayDeps,
  type SendOptions,
} from './ec2-gateway.js';
export {
  awsConfig,
  awsConfigSchema,
  awsConfigShape,
  resolveAwsConfig,
  type AwsConfig,
  type RateLimitSpec,
} from './aws-config.js';
export { classifyAwsError, Ec2Error, type AwsErrorClass, type AwsErrorKind } from './aws-errors.js';
export type { AwsCommand, OutputOf } from './aws-command.js';
export { backoffCeiling, backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
export { systemClock, type Clock } from './clock.js';
export { IDS_PER_CALL, MAX_PAGE_SIZE } from './describe-pages.js';
export { MOTO_ACCOUNT_HEADER } from './aws-clients.js';
export { bucketKeyFor, defaultRateLimit, RateLimits } from './rate-limits.js';
export { TokenBucket } from './token-bucket.js';
export type { AttemptOutcome } from './ec2-metrics.js';
