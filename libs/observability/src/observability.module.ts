import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, CommonConfig, SERVICE_IDENTITY, ServiceIdentity } from '@ami/config';
import { HealthController, HealthRegistry } from './health.js';
import { createLogger, ROOT_LOGGER } from './logger.js';
import { MetricsService } from './metrics.service.js';

@Global()
@Module({
  controllers: [HealthController],
  providers: [
    MetricsService,
    HealthRegistry,
    {
      provide: ROOT_LOGGER,
      inject: [SERVICE_IDENTITY, APP_CONFIG],
      useFactory: (identity: ServiceIdentity, config: CommonConfig) =>
        createLogger(identity.name, config.LOG_LEVEL),
    },
  ],
  exports: [MetricsService, HealthRegistry, ROOT_LOGGER],
})
export class ObservabilityModule {}
