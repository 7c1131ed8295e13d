import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@ami/config';
import { MetricsService, ROOT_LOGGER } from '@ami/observability';
import { resolveAwsConfig } from './aws-config.js';
import { Ec2Gateway } from './ec2-gateway.js';

@Injectable()
class Ec2GatewayShutdown implements OnApplicationShutdown {
  constructor(@Inject(Ec2Gateway) private readonly gateway: Ec2Gateway) {}
  onApplicationShutdown() {
    this.gateway.destroy();
  }
}

/**
 * Provides the Ec2Gateway (one per process, so every caller shares its rate-limit buckets).
 * Needs ConfigModule and ObservabilityModule; the service's config schema should spread
 * awsConfigShape (variables it leaves out are read from the environment).
 */
@Global()
@Module({
  providers: [
    {
      provide: Ec2Gateway,
      inject: [APP_CONFIG, MetricsService, ROOT_LOGGER],
      useFactory: (config: object, metrics: MetricsService, logger: Logger) =>
        new Ec2Gateway({ config: resolveAwsConfig(config), metrics, logger }),
    },
    Ec2GatewayShutdown,
  ],
  exports: [Ec2Gateway],
})
export class AwsModule {}
