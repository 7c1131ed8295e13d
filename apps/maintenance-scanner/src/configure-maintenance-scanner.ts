import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG } from '@ami/config';
import { buildOpenApiDocument, connectGrpc, serveOpenApi } from '@ami/runtime';
import type { MaintenanceScannerConfig } from './config/maintenance-scanner.config.js';

/** Scanner-specific boot: the OpenAPI document and the gRPC server. */
export async function configureMaintenanceScanner(app: NestFastifyApplication): Promise<void> {
  const config = app.get<MaintenanceScannerConfig>(APP_CONFIG);
  serveOpenApi(
    app,
    buildOpenApiDocument(app, {
      title: 'AMI factory maintenance scanner',
      description: 'Findings per family, scans on demand, and the rebuilds the scanner asked for.',
    }),
  );
  connectGrpc(app, {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    packages: ['ami.maintenance.v1'],
    protos: ['ami/maintenance/v1/maintenance.proto'],
  });
}
