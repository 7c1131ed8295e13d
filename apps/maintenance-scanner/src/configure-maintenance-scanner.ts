import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApiDocument, serveOpenApi } from '@ami/runtime';

/** Scanner-specific boot: the OpenAPI document. */
export async function configureMaintenanceScanner(app: NestFastifyApplication): Promise<void> {
  serveOpenApi(
    app,
    buildOpenApiDocument(app, {
      title: 'AMI factory maintenance scanner',
      description: 'Findings per family, scans on demand, and the rebuilds the scanner asked for.',
    }),
  );
}
