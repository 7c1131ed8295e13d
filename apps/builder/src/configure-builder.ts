import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { APP_CONFIG } from '@ami/config';
import { connectGrpc } from '@ami/runtime';
import type { BuilderConfig } from './config/builder.config.js';

/** Builder-specific boot: the OpenAPI document and the gRPC server. */
export async function configureBuilder(app: NestFastifyApplication): Promise<void> {
  const config = app.get<BuilderConfig>(APP_CONFIG);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('AMI factory builder')
      .setDescription('Builds: list, inspect, request, cancel, retry.')
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
    packages: ['ami.builder.v1'],
    protos: ['ami/builder/v1/builder.proto'],
  });
}
