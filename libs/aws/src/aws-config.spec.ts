import { ConfigError } from '@ami/config';
import { awsConfig, resolveAwsConfig } from './aws-config.js';

describe('EC2 gateway settings', () => {
  it('defaults to the moto account, the aws-facts.md buckets unscaled, and 8 attempts from 200 ms up to 20 s', () => {
    expect(resolveAwsConfig({}, {})).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_ACCOUNT_ID: '123456789012',
      EC2_RATE_LIMITS: {},
      EC2_RATE_SCALE: 1,
      EC2_PACING_MARGIN_MS: 10,
      EC2_RETRY_MAX_ATTEMPTS: 8,
      EC2_RETRY_BASE_MS: 200,
      EC2_RETRY_MAX_MS: 20_000,
    });
  });

  it("prefers the service's validated config and reads the rest from the environment", () => {
    const config = resolveAwsConfig(
      { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', DB_HOST: 'db' },
      {
        AWS_REGION: 'us-west-2',
        EC2_RATE_LIMITS: '{"CopyImage":{"capacity":100,"refillPerSecond":1}}',
        EC2_RATE_SCALE: '0.5',
      },
    );
    expect(config).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      EC2_RATE_LIMITS: { CopyImage: { capacity: 100, refillPerSecond: 1 } },
      EC2_RATE_SCALE: 0.5,
    });
    expect(config).not.toHaveProperty('DB_HOST');
  });

  it('names the variable when the rate limits are not valid', () => {
    expect(() => resolveAwsConfig({}, { EC2_RATE_LIMITS: '{CopyImage: 1}' })).toThrow(
      /EC2_RATE_LIMITS: is not valid JSON/,
    );
    expect(() =>
      resolveAwsConfig({}, { EC2_RATE_LIMITS: '{"CopyImage":{"capacity":0,"refillPerSecond":1}}' }),
    ).toThrow(ConfigError);
    expect(() => resolveAwsConfig({}, { AWS_ACCOUNT_ID: '42' })).toThrow(
      /AWS_ACCOUNT_ID: must be a 12-digit/,
    );
  });

  it('builds a complete config from a few overrides, for tests and tools', () => {
    expect(awsConfig({ EC2_RATE_SCALE: 0.1 })).toMatchObject({
      EC2_RATE_SCALE: 0.1,
      EC2_RETRY_MAX_ATTEMPTS: 8,
    });
  });
});
