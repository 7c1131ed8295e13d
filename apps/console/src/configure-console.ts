import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@ami/config';
import { ROOT_LOGGER } from '@ami/observability';
import { buildOpenApiDocument, jsonSchemaOf, serveOpenApi } from '@ami/runtime';
import { auditEntrySchema } from './audit/audit-stream.http-schemas.js';
import type { ConsoleConfig } from './config/console.config.js';
import { serviceUrls } from './config/service-urls.js';
import { apiProxy } from './proxy/api-proxy.js';
import { loadConsoleFiles } from './static/console-files.js';
import { serveConsoleFiles } from './static/serve-console-files.js';

/** Console-specific boot: its OpenAPI document, the page and its modules, the API proxy. */
export async function configureConsole(app: NestFastifyApplication): Promise<void> {
  const config = app.get<ConsoleConfig>(APP_CONFIG);
  const logger = app.get<Logger>(ROOT_LOGGER);
  serveOpenApi(
    app,
    buildOpenApiDocument(app, {
      title: 'AMI factory console',
      description:
        "The ops console's own API: its configuration, the caller's session and the live audit feed. " +
        "The page itself is served at /, and /api/<service>/... is each service's own API (see that service's /openapi.json).",
      schemas: { AuditEntry: jsonSchemaOf(auditEntrySchema) },
    }),
  );
  const fastify = app.getHttpAdapter().getInstance();
  serveConsoleFiles(fastify, loadConsoleFiles());
  await fastify.register(apiProxy, {
    prefix: '/api',
    urls: serviceUrls(config),
    timeoutMs: config.PROXY_TIMEOUT_MS,
    logger,
  });
}
