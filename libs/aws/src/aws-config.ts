import { z } from 'zod';
import { env, loadConfig } from '@ami/config';

const bucketSpec = z.object({
  capacity: z.number().min(1),
  refillPerSecond: z.number().positive(),
});

/** `{"CopyImage":{"capacity":100,"refillPerSecond":1}}`: bucket sizes that differ from the defaults. */
const rateLimitsJson = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), bucketSpec));

/**
 * Variables of the EC2 gateway; a service that talks to EC2 spreads this shape into its
 * config schema (as it does commonConfigShape).
 */
export const awsConfigShape = {
  AWS_REGION: env.string('us-east-1'),
  /** Set in local mode (the fidelity proxy in front of moto); unset against AWS. */
  AWS_ENDPOINT_URL: z.url().optional(),
  /** The account calls act in when the caller names none. */
  AWS_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .default('123456789012'),
  EC2_RATE_LIMITS: rateLimitsJson,
  /** Multiplies every bucket (capacity and refill); below 1 tightens them, e.g. in tests. */
  EC2_RATE_SCALE: z.coerce.number().positive().default(1),
  /** How long after its token is due a waiting call is sent (absorbs network jitter). */
  EC2_PACING_MARGIN_MS: env.int(10, 0),
  EC2_RETRY_MAX_ATTEMPTS: env.int(8, 1),
  EC2_RETRY_BASE_MS: env.int(200, 1),
  EC2_RETRY_MAX_MS: env.int(20_000, 1),
};

export const awsConfigSchema = z.object(awsConfigShape);
export type AwsConfig = z.infer<typeof awsConfigSchema>;
export type RateLimitSpec = z.infer<typeof bucketSpec>;

/**
 * The gateway's settings from the service's validated config; variables the service's schema
 * does not declare are read (and validated) from the environment.
 */
export function resolveAwsConfig(
  appConfig: object,
  environment: NodeJS.ProcessEnv = process.env,
): AwsConfig {
  const declared = Object.fromEntries(
    Object.entries(appConfig).filter(
      ([key, value]) => key in awsConfigShape && value !== undefined,
    ),
  );
  const missing = Object.keys(awsConfigShape).filter((key) => !(key in declared));
  if (missing.length === 0) return declared as AwsConfig;
  const mask = Object.fromEntries(missing.map((key) => [key, true])) as Record<
    keyof AwsConfig,
    true
  >;
  const fromEnv = loadConfig(awsConfigSchema.pick(mask), environment);
  return { ...fromEnv, ...declared } as AwsConfig;
}

/** The settings with every default applied, overridden by `partial` (for tests and tools). */
export function awsConfig(partial: Partial<AwsConfig> = {}): AwsConfig {
  return { ...awsConfigSchema.parse({}), ...partial };
}
