import { MetricsService } from '@ami/observability';
import type { FidelityForTest } from '@ami/testing';
import { awsConfig, Ec2Gateway, type AwsConfig } from '@ami/aws';

/** A fresh 12-digit account, so a test file's images never meet another run's. */
export function uniqueAccount(prefix: string): string {
  return `${prefix}${String(Date.now()).slice(-11)}`;
}

/** A gateway in local mode against the in-process fidelity proxy, with its own metrics. */
export function gatewayFor(
  fidelity: FidelityForTest,
  account: string,
  config: Partial<AwsConfig> = {},
) {
  const metrics = new MetricsService();
  const gateway = new Ec2Gateway({
    config: awsConfig({ AWS_ENDPOINT_URL: fidelity.url, AWS_ACCOUNT_ID: account, ...config }),
    metrics,
  });
  /** Attempts the gateway counted in ami_ec2_calls_total for an action and outcome. */
  const attempts = async (action: string, outcome: string): Promise<number> => {
    const counter = await metrics.registry.getSingleMetric('ami_ec2_calls_total')!.get();
    return counter.values
      .filter((v) => v.labels.action === action && v.labels.outcome === outcome)
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { gateway, metrics, attempts };
}
