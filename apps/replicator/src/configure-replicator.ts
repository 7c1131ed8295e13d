import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { APP_CONFIG } from '@ami/config';
import { connectGrpc } from '@ami/runtime';
import type { ReplicatorConfig } from './config/replicator.config.js';

/** Replicator-specific boot: the OpenAPI document and the gRPC server. */
export async function configureReplicator(app: NestFastifyApplication): Promise<void> {
  const config = app.get<ReplicatorConfig>(APP_CONFIG);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('AMI factory replicator')
      .setDescription('Regional copies of image versions: list, inspect, retry, request.')
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
    packages: ['ami.replicator.v1'],
    protos: ['ami/replicator/v1/replicator.proto'],
  });
}
