import { Module } from '@nestjs/common';
import { AuthModule } from '@ami/auth';
import { ConfigModule } from '@ami/config';
import { ObservabilityModule } from '@ami/observability';
import { AuditFeed } from './audit/audit-feed.service.js';
import { AuditStreamHttpController } from './audit/audit-stream.http-controller.js';
import { consoleConfigSchema } from './config/console.config.js';
import { ConsoleConfigHttpController } from './session/console-config.http-controller.js';

/** The ops console: no database, no rights of its own; the audit feed is its only consumer. */
@Module({
  imports: [
    ConfigModule.forService('console', consoleConfigSchema),
    ObservabilityModule,
    AuthModule,
  ],
  controllers: [AuditStreamHttpController, ConsoleConfigHttpController],
  providers: [AuditFeed],
})
export class ConsoleModule {}
