import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG } from '@ami/config';
import { buildOpenApiDocument, connectGrpc, serveOpenApi } from '@ami/runtime';
import type { PermissionsConfig } from './config/permissions.config.js';

/** Permissions-specific boot: the OpenAPI document and the gRPC server. */
export async function configurePermissions(app: NestFastifyApplication): Promise<void> {
  const config = app.get<PermissionsConfig>(APP_CONFIG);
  serveOpenApi(
    app,
    buildOpenApiDocument(app, {
      title: 'AMI factory permissions',
      description:
        'Launch permissions: desired and actual per copy, drift history, reconcile, manual grants and revocations.',
    }),
  );
  connectGrpc(app, {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    packages: ['ami.permissions.v1'],
    protos: ['ami/permissions/v1/permissions.proto'],
  });
}
