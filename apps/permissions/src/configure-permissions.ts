import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { APP_CONFIG } from '@ami/config';
import { connectGrpc } from '@ami/runtime';
import type { PermissionsConfig } from './config/permissions.config.js';

/** Permissions-specific boot: the OpenAPI document and the gRPC server. */
export async function configurePermissions(app: NestFastifyApplication): Promise<void> {
  const config = app.get<PermissionsConfig>(APP_CONFIG);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('AMI factory permissions')
      .setDescription(
        'Launch permissions: desired and actual per copy, drift history, reconcile, manual grants and revocations.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  );
  app
    .getHttpAdapter()
    .getInstance()
    .get('/openapi.json', (_req, reply) => {
      reply.send(document);
    });
  connectGrpc(app, {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    packages: ['ami.permissions.v1'],
    protos: ['ami/permissions/v1/permissions.proto'],
  });
}
